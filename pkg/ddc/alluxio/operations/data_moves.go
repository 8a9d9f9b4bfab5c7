package operations

import "context"

// CachedFile is one file with blocks cached on a worker, as the worker
// itself lists it (GET /api/v1/worker/webui_blockinfo).
type CachedFile struct {
	Path      string
	Bytes     int64
	Persisted bool
}

// Cached is what one worker caches.
type Cached struct {
	Files []CachedFile
	// Truncated: the worker caches more files than were looked at
	// (MaxBlockInfoPages); Files is a prefix of its list.
	Truncated bool
}

// Recached says what one Recache call achieved.
type Recached struct {
	// Files and Bytes count the files now cached on the workers the
	// master hands out.
	Files int
	Bytes int64
	// Failed names the files that could not be cached again (for
	// messages); they stay readable from the under store.
	Failed []string
}

// DataMover moves a leaving worker's data before it goes: what only it
// holds is persisted, and what it caches is cached again elsewhere.
type DataMover interface {
	// CachedFiles lists the files one worker caches. The worker still
	// knows its blocks after its decommission, when the master has
	// forgotten them.
	CachedFiles(ctx context.Context, worker WorkerAddress) (Cached, error)
	// Persist asks Alluxio to write these files to the under store. It
	// returns once Alluxio accepted the request; UnpersistedData tells
	// when they are persisted.
	Persist(ctx context.Context, paths []string) error
	// Recache caches these persisted files again on the workers the
	// master hands out. Call it only once the leaving worker is
	// decommissioned: before that, reads are served from its copy and
	// nothing new is cached.
	Recache(ctx context.Context, files []CachedFile) (Recached, error)
}
