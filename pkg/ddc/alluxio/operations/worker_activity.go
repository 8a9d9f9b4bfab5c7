package operations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// workerOperationsPath is the endpoint Alluxio's own decommissionWorker
// polls (added with it, Alluxio PR #17310).
const workerOperationsPath = "/api/v1/worker/operations"

// wireWorkerOperations is alluxio.wire.WorkerWebUIOperations. Pointers
// tell a zero from a missing field: a missing count must never read as
// "idle".
type wireWorkerOperations struct {
	OperationCount *int64 `json:"operationCount"`
	RPCQueueLength *int64 `json:"rpcQueueLength"`
}

// WorkerActivity asks the worker at worker.Host:worker.WebPort how much
// work it has in flight. Pass the address the controller can reach (see
// WorkerHost). Errors: ErrActivityUnsupported (404, Alluxio before 2.9.4),
// ErrWorkerUnreachable, ErrBadResponse, ErrInvalidAddress.
func (c *Client) WorkerActivity(ctx context.Context, worker WorkerAddress) (Activity, error) {
	base, err := webBaseURL(worker)
	if err != nil {
		return Activity{}, err
	}
	url := base + workerOperationsPath
	var ops wireWorkerOperations
	err = getJSON(ctx, c.cfg.HTTPClient, url, c.cfg.MaxResponseBytes, ErrWorkerUnreachable, &ops)
	var statusErr *httpStatusError
	if errors.As(err, &statusErr) && statusErr.statusCode == http.StatusNotFound {
		return Activity{}, fmt.Errorf("worker %s: GET %s answered 404: %w", worker.Host, url, ErrActivityUnsupported)
	}
	if err != nil {
		return Activity{}, fmt.Errorf("read activity of worker %s: %w", worker.Host, err)
	}
	if ops.OperationCount == nil || ops.RPCQueueLength == nil {
		return Activity{}, fmt.Errorf("read activity of worker %s: GET %s lacks operationCount or rpcQueueLength: %w", worker.Host, url, ErrBadResponse)
	}
	return Activity{OperationCount: *ops.OperationCount, RPCQueueLength: *ops.RPCQueueLength}, nil
}
