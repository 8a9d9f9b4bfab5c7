package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// controlPrefix is the emulator's own API, not Alluxio's: it lets other
// processes (the `alluxio` shim, end-to-end tests) drive the cluster.
const controlPrefix = "/emulator/v1/"

// CLIRequest is the body of POST /emulator/v1/cli.
type CLIRequest struct {
	Args []string `json:"args"`
}

// CLIResponse is the answer of POST /emulator/v1/cli.
type CLIResponse struct {
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exitCode"`
}

// WorkerRequest is the body of POST /emulator/v1/workers.
type WorkerRequest struct {
	Host    string `json:"host"`
	RPCPort int32  `json:"rpcPort"`
	WebPort int32  `json:"webPort"`
}

// FileRequest is the body of POST /emulator/v1/files.
type FileRequest struct {
	Path      string `json:"path"`
	Host      string `json:"host"`
	WebPort   int32  `json:"webPort"`
	Size      int64  `json:"size"`
	Persisted bool   `json:"persisted"`
}

// registerControlAPI mounts the control API:
//
//	POST   /emulator/v1/cli                                {"args":[...]} -> CLIResponse
//	GET    /emulator/v1/workers                            -> []WorkerSnapshot
//	POST   /emulator/v1/workers                            WorkerRequest -> Worker
//	GET    /emulator/v1/workers/{host}/{webPort}           -> WorkerSnapshot
//	DELETE /emulator/v1/workers/{host}/{webPort}           RemoveWorker
//	POST   /emulator/v1/workers/{host}/{webPort}/operations {"count":n}
//	PUT    /emulator/v1/workers/{host}/{webPort}/busy      {"busy":bool}
//	POST   /emulator/v1/client/operations                  {"path":p} -> Worker (409 on failure)
//	POST   /emulator/v1/files                              FileRequest
//	POST   /emulator/v1/files/persist                      PersistAll
//	GET    /emulator/v1/record                             -> []Event
//	GET    /emulator/v1/violations                         -> []Event
//	POST   /emulator/v1/faults                             Fault
//	DELETE /emulator/v1/faults                             ClearFaults
func (c *Cluster) registerControlAPI(mux *http.ServeMux) {
	mux.HandleFunc("POST "+controlPrefix+"cli", c.serveCLI)
	c.registerWorkerControl(mux)
	c.registerClusterControl(mux)
}

// registerWorkerControl serves the routes that start, stop and load one
// worker.
func (c *Cluster) registerWorkerControl(mux *http.ServeMux) {
	mux.HandleFunc("GET "+controlPrefix+"workers", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Workers())
	})
	mux.HandleFunc("POST "+controlPrefix+"workers", func(w http.ResponseWriter, r *http.Request) {
		var req WorkerRequest
		if !decode(w, r, &req) {
			return
		}
		wk, err := c.AddWorker(req.Host, req.RPCPort, req.WebPort)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		writeJSON(w, http.StatusCreated, wk)
	})
	mux.HandleFunc("GET "+controlPrefix+"workers/{host}/{webPort}", c.withWorker(func(w http.ResponseWriter, _ *http.Request, s WorkerSnapshot) {
		writeJSON(w, http.StatusOK, s)
	}))
	mux.HandleFunc("DELETE "+controlPrefix+"workers/{host}/{webPort}", c.withWorker(func(w http.ResponseWriter, _ *http.Request, s WorkerSnapshot) {
		c.RemoveWorker(s.Host, s.WebPort)
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST "+controlPrefix+"workers/{host}/{webPort}/operations", c.withWorker(func(w http.ResponseWriter, r *http.Request, s WorkerSnapshot) {
		var req struct {
			Count int `json:"count"`
		}
		if decode(w, r, &req) {
			c.StartOperations(s.Host, s.WebPort, req.Count)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	mux.HandleFunc("PUT "+controlPrefix+"workers/{host}/{webPort}/busy", c.withWorker(func(w http.ResponseWriter, r *http.Request, s WorkerSnapshot) {
		var req struct {
			Busy bool `json:"busy"`
		}
		if decode(w, r, &req) {
			c.SetBusy(s.Host, s.WebPort, req.Busy)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
}

// registerClusterControl serves the routes for clients, files, the record
// and faults.
func (c *Cluster) registerClusterControl(mux *http.ServeMux) {
	mux.HandleFunc("POST "+controlPrefix+"client/operations", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Path string `json:"path"`
		}
		if !decode(w, r, &req) {
			return
		}
		wk, err := c.ClientOp(req.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		writeJSON(w, http.StatusOK, wk)
	})
	mux.HandleFunc("POST "+controlPrefix+"files", func(w http.ResponseWriter, r *http.Request) {
		var req FileRequest
		if decode(w, r, &req) {
			c.WriteFile(req.Path, req.Host, req.WebPort, req.Size, req.Persisted)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST "+controlPrefix+"files/persist", func(w http.ResponseWriter, _ *http.Request) {
		c.PersistAll()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+controlPrefix+"record", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Record())
	})
	mux.HandleFunc("GET "+controlPrefix+"violations", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Violations())
	})
	mux.HandleFunc("POST "+controlPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if decode(w, r, &f) {
			c.InjectFault(f)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("DELETE "+controlPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		if err := c.ClearFaults(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// serveCLI runs one `alluxio` command. The request's context ends when
// the shim dies, which interrupts a blocking decommissionWorker.
func (c *Cluster) serveCLI(w http.ResponseWriter, r *http.Request) {
	var req CLIRequest
	if !decode(w, r, &req) {
		return
	}
	var stdout, stderr bytes.Buffer
	code := c.RunCLI(r.Context(), req.Args, &stdout, &stderr)
	writeJSON(w, http.StatusOK, CLIResponse{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code})
}

func (c *Cluster) withWorker(h func(http.ResponseWriter, *http.Request, WorkerSnapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		port, err := strconv.ParseInt(r.PathValue("webPort"), 10, 32)
		if err != nil {
			http.Error(w, fmt.Sprintf("bad web port %q", r.PathValue("webPort")), http.StatusBadRequest)
			return
		}
		s, ok := c.Worker(r.PathValue("host"), int32(port))
		if !ok {
			http.Error(w, fmt.Sprintf("no emulated worker %s:%d", r.PathValue("host"), port), http.StatusNotFound)
			return
		}
		h(w, r, s)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, http.ErrBodyNotAllowed) {
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}
