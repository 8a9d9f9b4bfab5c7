package emulator

import (
	"net"
	"net/http"
	"sort"
	"strconv"
)

// uiFileInfoJSON is the part of Alluxio's UIFileInfo that
// /api/v1/worker/webui_blockinfo lists per file with blocks on the worker.
type uiFileInfoJSON struct {
	ID               int64  `json:"id"`
	AbsolutePath     string `json:"absolutePath"`
	Name             string `json:"name"`
	Size             string `json:"size"` // FormatUtils.getSizeFromBytes, e.g. "10.00MB"
	PersistenceState string `json:"persistenceState"`
	InAlluxio        bool   `json:"inAlluxio"`
	IsDirectory      bool   `json:"isDirectory"`
}

// workerBlockInfoJSON is Alluxio's WorkerWebUIBlockInfo.
type workerBlockInfoJSON struct {
	FatalError         string           `json:"fatalError"`
	InvalidPathError   string           `json:"invalidPathError"`
	NTotalFile         int              `json:"ntotalFile"`
	FileInfos          []uiFileInfoJSON `json:"fileInfos"`
	OrderedTierAliases []string         `json:"orderedTierAliases"`
	BlockSizeBytes     *string          `json:"blockSizeBytes"`
	Path               *string          `json:"path"`
}

// blockInfoHandler serves GET /api/v1/worker/webui_blockinfo?offset=&limit=
// as AlluxioWorkerRestServiceHandler does: the files with blocks on this
// worker, sorted by file id, one page (default limit 20).
func (c *Cluster) blockInfoHandler(id Worker) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		offset, errO := strconv.Atoi(defaultString(r.URL.Query().Get("offset"), "0"))
		limit, errL := strconv.Atoi(defaultString(r.URL.Query().Get("limit"), "20"))
		resp := workerBlockInfoJSON{OrderedTierAliases: []string{"MEM"}, FileInfos: []uiFileInfoJSON{}}
		c.mu.Lock()
		addr := net.JoinHostPort(id.Host, strconv.Itoa(int(id.WebPort)))
		var files []*file
		for _, f := range c.files {
			if f.cachedOn(addr) && !f.lost {
				files = append(files, f)
			}
		}
		c.mu.Unlock()
		sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
		resp.NTotalFile = len(files)
		if errO != nil || errL != nil || offset < 0 || limit < 0 {
			resp.FatalError = "Error: offset or limit parse error"
			writeJSON(w, http.StatusOK, resp)
			return
		}
		for i := offset; i < len(files) && i < offset+limit; i++ {
			f := files[i]
			state := "NOT_PERSISTED"
			if f.persisted {
				state = "PERSISTED"
			}
			resp.FileInfos = append(resp.FileInfos, uiFileInfoJSON{
				ID: int64(i + 1), AbsolutePath: f.path, Name: f.path, Size: sizeFromBytes(f.size),
				PersistenceState: state, InAlluxio: true,
			})
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
