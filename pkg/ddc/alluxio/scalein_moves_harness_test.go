package alluxio

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/fluid-drain/fluid-drain/pkg/ddc/alluxio/operations"
)

// dataMoves is the fake master's model of the workers' cached files: a
// persist request persists the named files (unless persistStuck), and a
// re-cache places each file on a live worker with room for it, as
// Alluxio caches a file read through it.
type dataMoves struct {
	// files each worker caches, by host.
	files map[string][]operations.CachedFile
	// capacity and used bytes of each worker, by host.
	capacity, used map[string]int64
	// persistStuck: persist requests are accepted but never carried out.
	persistStuck bool
	persistErr   error
	// persists records every persist request's paths.
	persists [][]string
	// recacheErr fails re-cache calls; recaches records each call's paths.
	recacheErr error
	recaches   [][]string
	// recachedOn records where each re-cached path was placed.
	recachedOn map[string]string
}

func newDataMoves() dataMoves {
	return dataMoves{files: map[string][]operations.CachedFile{}, capacity: map[string]int64{}, used: map[string]int64{}, recachedOn: map[string]string{}}
}

// cache puts n files of size bytes each on the worker at host, named
// under dir.
func (m *fakeMaster) cache(host, dir string, n int, size int64, persisted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range n {
		m.files[host] = append(m.files[host], operations.CachedFile{Path: fmt.Sprintf("%s/f%03d", dir, i), Bytes: size, Persisted: persisted})
	}
}

func (m *fakeMaster) CachedFiles(_ context.Context, w operations.WorkerAddress) (operations.Cached, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down[w.Host] {
		return operations.Cached{}, fmt.Errorf("dial %s: connection refused: %w", w.Host, operations.ErrWorkerUnreachable)
	}
	return operations.Cached{Files: slices.Clone(m.files[w.Host])}, nil
}

func (m *fakeMaster) Persist(_ context.Context, paths []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.persists = append(m.persists, slices.Clone(paths))
	if m.persistErr != nil {
		return m.persistErr
	}
	if m.persistStuck {
		return nil
	}
	for _, files := range m.files {
		for i := range files {
			if slices.Contains(paths, files[i].Path) {
				files[i].Persisted = true
			}
		}
	}
	return nil
}

func (m *fakeMaster) Recache(_ context.Context, files []operations.CachedFile) (operations.Recached, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	paths := make([]string, 0, len(files))
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	m.recaches = append(m.recaches, paths)
	if m.recacheErr != nil {
		return operations.Recached{}, m.recacheErr
	}
	out := operations.Recached{}
	for _, f := range files {
		placed := false
		for _, host := range slices.Sorted(maps.Keys(m.registered)) {
			if m.decommissioned[host] || m.capacity[host]-m.used[host] < f.Bytes {
				continue
			}
			m.used[host] += f.Bytes
			m.recachedOn[f.Path] = host
			out.Files++
			out.Bytes += f.Bytes
			placed = true
			break
		}
		if !placed {
			out.Failed = append(out.Failed, f.Path)
		}
	}
	return out, nil
}

func (m *fakeMaster) persistCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.persists)
}

func (m *fakeMaster) recacheCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recaches)
}
