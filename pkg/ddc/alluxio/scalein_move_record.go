package alluxio

import (
	"encoding/json"
	"time"

	datav1alpha1 "github.com/fluid-drain/fluid-drain/api/v1alpha1"
)

// moveRecord is what was done with a victim's data, kept on its pod so a
// restarted controller neither asks Alluxio again too soon nor starts a
// re-cache over.
type moveRecord struct {
	// persistAskedAt is when Alluxio was last asked to persist its files.
	persistAskedAt time.Time
	// recache is the re-cache plan and progress; nil before it is planned.
	recache *recacheRecord
}

// recacheRecord is one victim's re-cache: its files are taken in path
// order, so the last path tried is where a restarted controller goes on.
type recacheRecord struct {
	// Target is the bytes to move (policy and free capacity applied when
	// planned); Cached the persisted bytes the worker cached then.
	Target int64 `json:"target"`
	Cached int64 `json:"cached"`
	Moved  int64 `json:"moved"`
	// Failed counts the files Alluxio could not cache again.
	Failed int `json:"failed,omitempty"`
	// After is the last path tried.
	After string `json:"after,omitempty"`
	Done  bool   `json:"done,omitempty"`
}

func readMoveRecord(a map[string]string) moveRecord {
	m := moveRecord{persistAskedAt: parseTime(a[datav1alpha1.ScaleInPersistAskedAtAnnotation])}
	if raw, ok := a[datav1alpha1.ScaleInRecacheAnnotation]; ok {
		r := &recacheRecord{}
		// A record edited beyond reading is planned again: re-caching a
		// file twice costs time, never data.
		if json.Unmarshal([]byte(raw), r) == nil {
			m.recache = r
		}
	}
	return m
}

func (m moveRecord) write(a map[string]string) {
	setTime(a, datav1alpha1.ScaleInPersistAskedAtAnnotation, m.persistAskedAt)
	if m.recache == nil {
		delete(a, datav1alpha1.ScaleInRecacheAnnotation)
		return
	}
	raw, _ := json.Marshal(m.recache) // plain fields: never fails
	a[datav1alpha1.ScaleInRecacheAnnotation] = string(raw)
}

func (m moveRecord) equal(o moveRecord) bool {
	if !m.persistAskedAt.Equal(o.persistAskedAt) || (m.recache == nil) != (o.recache == nil) {
		return false
	}
	return m.recache == nil || *m.recache == *o.recache
}
