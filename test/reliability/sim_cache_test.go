package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// simCache is the controller's informer cache: it sees every write to
// the API server, in the order they were made, each a simulated while
// after it was made (up to maxLag). A Get or List may so return an
// object older than the last write, as controller-runtime's cache does;
// the writes themselves go to the API server, whose optimistic
// concurrency refuses one made from a stale resourceVersion.
type simCache struct {
	clock  func() time.Time
	rng    *rand.Rand
	maxLag time.Duration

	objs    map[simCacheKey]client.Object // what the cache holds now
	pending []simCacheEvent               // written, not yet seen, in write order
	// last is when the last pending event is seen: a watch delivers in
	// order, so no event is seen before one written earlier.
	last time.Time
	// delivered counts the events seen: each is a watch event that
	// queues the controller.
	delivered int64
}

type simCacheKey struct {
	gvk       schema.GroupVersionKind
	namespace string
	name      string
}

type simCacheEvent struct {
	key simCacheKey
	obj client.Object // nil: deleted
	at  time.Time     // when the cache sees it
}

func newSimCache(clock func() time.Time, rng *rand.Rand, maxLag time.Duration) *simCache {
	return &simCache{clock: clock, rng: rng, maxLag: maxLag, objs: map[simCacheKey]client.Object{}}
}

// written records the object as the API server now holds it (nil
// current: deleted).
func (c *simCache) written(key simCacheKey, current client.Object) {
	at := c.clock()
	if c.maxLag > 0 {
		at = at.Add(time.Duration(c.rng.Int64N(int64(c.maxLag) + 1)))
	}
	if at.Before(c.last) {
		at = c.last
	}
	c.last = at
	c.pending = append(c.pending, simCacheEvent{key: key, obj: current, at: at})
}

// deliver applies the events due by now.
func (c *simCache) deliver() {
	now := c.clock()
	n := 0
	for _, e := range c.pending {
		if e.at.After(now) {
			break
		}
		if e.obj == nil {
			delete(c.objs, e.key)
		} else {
			c.objs[e.key] = e.obj
		}
		n++
	}
	c.pending = c.pending[n:]
	c.delivered += int64(n)
}

// sync is a started informer's initial list: it sees everything written.
func (c *simCache) sync() {
	now := c.clock()
	for i := range c.pending {
		c.pending[i].at = now
	}
	c.last = now
	c.deliver()
}

func cacheKeyOf(obj runtime.Object, key client.ObjectKey) (simCacheKey, error) {
	gvk, err := apiutil.GVKForObject(obj, simScheme)
	if err != nil {
		return simCacheKey{}, err
	}
	return simCacheKey{gvk: gvk, namespace: key.Namespace, name: key.Name}, nil
}

func (c *simCache) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	c.deliver()
	k, err := cacheKeyOf(obj, key)
	if err != nil {
		return err
	}
	cur, ok := c.objs[k]
	if !ok {
		return apierrors.NewNotFound(schema.GroupResource{Group: k.gvk.Group, Resource: strings.ToLower(k.gvk.Kind) + "s"}, key.Name)
	}
	reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(cur.DeepCopyObject()).Elem())
	return nil
}

func (c *simCache) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	c.deliver()
	gvk, err := apiutil.GVKForObject(list, simScheme)
	if err != nil {
		return err
	}
	gvk.Kind = strings.TrimSuffix(gvk.Kind, "List")
	lo := client.ListOptions{}
	lo.ApplyOptions(opts)
	if lo.FieldSelector != nil && !lo.FieldSelector.Empty() {
		return fmt.Errorf("the simulated cache has no field index (list %s by %s)", gvk.Kind, lo.FieldSelector)
	}
	var keys []simCacheKey
	for k, o := range c.objs {
		if k.gvk != gvk || lo.Namespace != "" && k.namespace != lo.Namespace {
			continue
		}
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(o.GetLabels())) {
			continue
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b simCacheKey) int { return strings.Compare(a.namespace+"/"+a.name, b.namespace+"/"+b.name) })
	items := make([]runtime.Object, 0, len(keys))
	for _, k := range keys {
		items = append(items, c.objs[k].DeepCopyObject())
	}
	return meta.SetList(list, items)
}

// simAPIReader reads straight from the API server (the manager's API
// reader, which the controller uses for the runtime itself).
type simAPIReader struct{ w *simWorld }

func (r simAPIReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if r.w.killed() {
		return errKilled
	}
	return r.w.store.Get(ctx, key, obj, opts...)
}

func (r simAPIReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if r.w.killed() {
		return errKilled
	}
	return r.w.store.List(ctx, list, opts...)
}
