package testenv

import (
	"fmt"
	"sync"
)

// ipPool hands out the addresses prefix+1 .. prefix+254 (e.g. 127.0.1.1 ..
// 127.0.1.254), each to one owner at a time. It allocates round-robin
// rather than lowest-free so that an address just released (whose
// emulator may still be closing its listener) is the last to be reused.
type ipPool struct {
	mu     sync.Mutex
	prefix string
	owner  map[int]string // last octet -> owner key
	next   int            // last octet to try first
}

func newIPPool(prefix string) *ipPool {
	return &ipPool{prefix: prefix, owner: map[int]string{}, next: 1}
}

// allocate returns a free address for owner.
func (p *ipPool) allocate(owner string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < 254; i++ {
		octet := (p.next-1+i)%254 + 1
		if _, used := p.owner[octet]; !used {
			p.owner[octet] = owner
			p.next = octet%254 + 1
			return p.addr(octet), nil
		}
	}
	return "", fmt.Errorf("all 254 addresses %s1-254 are in use", p.prefix)
}

// reserve marks ip as owned by owner (for a pod seen with an IP already
// set); it reports false if ip is not from this pool or is taken by
// another owner.
func (p *ipPool) reserve(ip, owner string) bool {
	var octet int
	if _, err := fmt.Sscanf(ip, p.prefix+"%d", &octet); err != nil || octet < 1 || octet > 254 || p.addr(octet) != ip {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, used := p.owner[octet]; used && cur != owner {
		return false
	}
	p.owner[octet] = owner
	return true
}

// release frees ip if owner holds it.
func (p *ipPool) release(ip, owner string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for octet, cur := range p.owner {
		if cur == owner && p.addr(octet) == ip {
			delete(p.owner, octet)
		}
	}
}

// inUse returns address -> owner for every allocated address.
func (p *ipPool) inUse() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.owner))
	for octet, owner := range p.owner {
		out[p.addr(octet)] = owner
	}
	return out
}

func (p *ipPool) addr(octet int) string { return fmt.Sprintf("%s%d", p.prefix, octet) }
