package emulator

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
)

// file is a file with blocks cached on workers; guarded by Cluster.mu.
type file struct {
	path string
	// workers are the host:webPort of the workers holding its blocks:
	// the one it was written to, then those it was loaded onto. A
	// decommissioned worker keeps its copy (and lists it) until it dies.
	workers   []string
	size      int64
	persisted bool
	lost      bool
}

func (f *file) cachedOn(addr string) bool { return slices.Contains(f.workers, addr) }

// WriteFile caches a file of size bytes on the worker at host:webPort.
// persisted=false is data written MUST_CACHE, or ASYNC_THROUGH and not yet
// persisted: it exists only on that worker. Rewriting a path replaces it.
func (c *Cluster) WriteFile(path string, host string, webPort int32, size int64, persisted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	addr := net.JoinHostPort(host, strconv.Itoa(int(webPort)))
	c.files[path] = &file{path: path, workers: []string{addr}, size: size, persisted: persisted}
	c.record(Event{Kind: EventFileWritten, Host: host, WebPort: webPort, Path: path,
		Detail: fmt.Sprintf("%d bytes, persisted=%t", size, persisted)})
}

// PersistAll persists every file to the under store, as if the async
// persist jobs had all finished.
func (c *Cluster) PersistAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.files {
		if !f.lost {
			f.persisted = true
		}
	}
	c.record(Event{Kind: EventFilesPersisted})
}

// FilesToBePersisted counts files cached but not yet persisted: the
// master's Master.FilesToBePersisted gauge.
func (c *Cluster) FilesToBePersisted() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, f := range c.files {
		if !f.persisted && !f.lost {
			n++
		}
	}
	return n
}

// LostFiles lists the files lost with a removed worker, sorted.
func (c *Cluster) LostFiles() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, f := range c.files {
		if f.lost {
			out = append(out, f.path)
		}
	}
	sort.Strings(out)
	return out
}

// loseCachedDataLocked drops a removed worker's cache: unpersisted files
// whose only copy it held are gone for good, persisted ones can be read
// again from the under store.
func (c *Cluster) loseCachedDataLocked(w *worker) {
	for _, f := range c.files {
		if !f.cachedOn(w.Address()) || f.lost {
			continue
		}
		f.workers = slices.DeleteFunc(f.workers, func(a string) bool { return a == w.Address() })
		if !f.persisted && len(f.workers) == 0 {
			f.lost = true
			c.record(Event{Kind: EventDataLost, Host: w.Host, WebPort: w.WebPort, Path: f.path,
				Detail: "only copy was on the removed worker and not persisted", Violation: true})
		}
	}
}

func (c *Cluster) cachedFilesLocked(w *worker) []string {
	var out []string
	for _, f := range c.files {
		if f.cachedOn(w.Address()) {
			out = append(out, f.path)
		}
	}
	sort.Strings(out)
	return out
}

// usedBytesLocked is the worker's used bytes as the master reports them:
// frozen at decommission, as in Alluxio.
func (c *Cluster) usedBytesLocked(w *worker) int64 {
	if w.state == WorkerDecommissioned && !w.decommissionedAt.IsZero() {
		return w.usedAtDecommission
	}
	var used int64
	for _, f := range c.files {
		if f.cachedOn(w.Address()) {
			used += f.size
		}
	}
	return used
}
