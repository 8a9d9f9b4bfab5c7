package testenv

import (
	"fmt"
	"strings"
	"sync"
)

// ipPool hands out the addresses prefix+1 .. prefix+254 of each of its
// prefixes (e.g. 127.0.1.1 .. 127.0.1.254, then 127.0.2.1 ..), each to one
// owner at a time. It allocates round-robin rather than lowest-free so
// that an address just released (whose emulator may still be closing its
// listener) is the last to be reused.
type ipPool struct {
	mu       sync.Mutex
	prefixes []string
	owner    map[int]string // slot -> owner key; slot = prefix index*254 + octet-1
	next     int            // slot to try first
}

func newIPPool(prefixes ...string) *ipPool {
	return &ipPool{prefixes: prefixes, owner: map[int]string{}}
}

func (p *ipPool) size() int { return 254 * len(p.prefixes) }

// allocate returns a free address for owner.
func (p *ipPool) allocate(owner string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.size()
	for i := 0; i < n; i++ {
		slot := (p.next + i) % n
		if _, used := p.owner[slot]; !used {
			p.owner[slot] = owner
			p.next = (slot + 1) % n
			return p.addr(slot), nil
		}
	}
	return "", fmt.Errorf("all %d addresses %s1-254 are in use", n, strings.Join(p.prefixes, "1-254, "))
}

// slotOf returns the slot of ip, false if ip is not from this pool.
func (p *ipPool) slotOf(ip string) (int, bool) {
	for i, prefix := range p.prefixes {
		var octet int
		if _, err := fmt.Sscanf(ip, prefix+"%d", &octet); err != nil || octet < 1 || octet > 254 {
			continue
		}
		if slot := i*254 + octet - 1; p.addr(slot) == ip {
			return slot, true
		}
	}
	return 0, false
}

// reserve marks ip as owned by owner (for a pod seen with an IP already
// set); it reports false if ip is not from this pool or is taken by
// another owner.
func (p *ipPool) reserve(ip, owner string) bool {
	slot, ok := p.slotOf(ip)
	if !ok {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, used := p.owner[slot]; used && cur != owner {
		return false
	}
	p.owner[slot] = owner
	return true
}

// release frees ip if owner holds it.
func (p *ipPool) release(ip, owner string) {
	slot, ok := p.slotOf(ip)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owner[slot] == owner {
		delete(p.owner, slot)
	}
}

// inUse returns address -> owner for every allocated address.
func (p *ipPool) inUse() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.owner))
	for slot, owner := range p.owner {
		out[p.addr(slot)] = owner
	}
	return out
}

func (p *ipPool) addr(slot int) string {
	return fmt.Sprintf("%s%d", p.prefixes[slot/254], slot%254+1)
}
