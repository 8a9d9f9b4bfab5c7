package operations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Unpersisted counts the files with blocks cached on one worker whose
// data is not yet in the under store: removing the worker loses them.
type Unpersisted struct {
	Files int
	Bytes int64
	// Examples are a few of their paths, for messages.
	Examples []string
	// Truncated: the worker caches more files than were looked at
	// (MaxBlockInfoPages); the counts are a lower bound.
	Truncated bool
}

const (
	workerBlockInfoPath = "/api/v1/worker/webui_blockinfo"
	// blockInfoPageSize files are asked per request.
	blockInfoPageSize = 200
	// MaxBlockInfoPages bounds what one check reads (200 × 50 = 10,000
	// files), so a worker caching millions of files costs a bounded
	// amount per poll. Past it the result is marked Truncated.
	MaxBlockInfoPages = 50
)

type wireBlockInfo struct {
	FatalError string `json:"fatalError"`
	NTotalFile *int   `json:"ntotalFile"`
	FileInfos  []struct {
		AbsolutePath     string `json:"absolutePath"`
		Size             string `json:"size"`
		PersistenceState string `json:"persistenceState"`
	} `json:"fileInfos"`
}

// UnpersistedData asks the worker which files it caches (CachedFiles)
// and counts those not PERSISTED. Ask it before the decommission:
// afterwards the master forgets the worker's blocks, but the worker
// itself still knows them. A 404 wraps ErrUnsupported.
func (c *Client) UnpersistedData(ctx context.Context, worker WorkerAddress) (Unpersisted, error) {
	cached, err := c.CachedFiles(ctx, worker)
	if err != nil {
		return Unpersisted{}, err
	}
	out := Unpersisted{Truncated: cached.Truncated}
	for _, f := range cached.Files {
		if f.Persisted {
			continue
		}
		out.Files++
		out.Bytes += f.Bytes
		if len(out.Examples) < 3 {
			out.Examples = append(out.Examples, f.Path)
		}
	}
	return out, nil
}

// CachedFiles reads the worker's GET /api/v1/worker/webui_blockinfo
// (which needs alluxio.web.file.info.enabled, on by default), page by
// page, up to MaxBlockInfoPages. A 404 wraps ErrUnsupported.
func (c *Client) CachedFiles(ctx context.Context, worker WorkerAddress) (Cached, error) {
	base, err := webBaseURL(worker)
	if err != nil {
		return Cached{}, err
	}
	var out Cached
	for page := 0; ; page++ {
		if page == MaxBlockInfoPages {
			out.Truncated = true
			return out, nil
		}
		url := fmt.Sprintf("%s%s?offset=%d&limit=%d", base, workerBlockInfoPath, page*blockInfoPageSize, blockInfoPageSize)
		var info wireBlockInfo
		err := getJSON(ctx, c.cfg.HTTPClient, url, c.cfg.MaxResponseBytes, ErrWorkerUnreachable, &info)
		var statusErr *httpStatusError
		if errors.As(err, &statusErr) && statusErr.statusCode == http.StatusNotFound {
			return Cached{}, fmt.Errorf("worker %s: GET %s answered 404: %w", worker.Host, workerBlockInfoPath, ErrUnsupported)
		}
		if err != nil {
			return Cached{}, fmt.Errorf("read cached files of worker %s: %w", worker.Host, err)
		}
		if info.FatalError != "" || info.NTotalFile == nil {
			return Cached{}, fmt.Errorf("read cached files of worker %s: %q: %w", worker.Host, info.FatalError, ErrBadResponse)
		}
		for _, f := range info.FileInfos {
			out.Files = append(out.Files, CachedFile{Path: f.AbsolutePath, Bytes: parseAlluxioSize(f.Size), Persisted: f.PersistenceState == "PERSISTED"})
		}
		if len(info.FileInfos) == 0 || (page+1)*blockInfoPageSize >= *info.NTotalFile {
			return out, nil
		}
	}
}

var alluxioSize = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?B)$`)

// parseAlluxioSize reads FormatUtils.getSizeFromBytes output ("512B",
// "10.00MB"); unreadable sizes count as 0.
func parseAlluxioSize(s string) int64 {
	m := alluxioSize.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	shift := map[string]uint{"B": 0, "KB": 10, "MB": 20, "GB": 30, "TB": 40, "PB": 50}[m[2]]
	return int64(n * float64(int64(1)<<shift))
}
