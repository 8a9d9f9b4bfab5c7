package emulator

import (
	"fmt"
	"net"
	"sort"
	"strconv"
)

// file is a file with blocks cached on one worker; guarded by Cluster.mu.
type file struct {
	path      string
	worker    string // host:webPort of the worker holding its blocks
	size      int64
	persisted bool
	lost      bool
}

// WriteFile caches a file of size bytes on the worker at host:webPort.
// persisted=false is data written MUST_CACHE, or ASYNC_THROUGH and not yet
// persisted: it exists only on that worker. Rewriting a path replaces it.
func (c *Cluster) WriteFile(path string, host string, webPort int32, size int64, persisted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	addr := net.JoinHostPort(host, strconv.Itoa(int(webPort)))
	c.files[path] = &file{path: path, worker: addr, size: size, persisted: persisted}
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
// are gone for good, persisted ones can be read again from the under store.
func (c *Cluster) loseCachedDataLocked(w *worker) {
	for _, f := range c.files {
		if f.worker != w.Address() || f.lost {
			continue
		}
		f.worker = ""
		if !f.persisted {
			f.lost = true
			c.record(Event{Kind: EventDataLost, Host: w.Host, WebPort: w.WebPort, Path: f.path,
				Detail: "only copy was on the removed worker and not persisted", Violation: true})
		}
	}
}

func (c *Cluster) cachedFilesLocked(w *worker) []string {
	var out []string
	for _, f := range c.files {
		if f.worker == w.Address() {
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
		if f.worker == w.Address() {
			used += f.size
		}
	}
	return used
}
