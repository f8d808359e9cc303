package inventory

import (
	"sort"
	"sync"
)

// Inventory is everything one scan knows. Sources fill it; after Seal it is read-only and
// safe for concurrent checks.
type Inventory struct {
	// Inputs are the paths or endpoints the inventory was collected from.
	Inputs   []string
	Objects  []*Object
	Problems []Problem
	// Gaps is data that could not be collected (live and AWS modes).
	Gaps []Gap
	// AWS is the cluster's AWS side (internal/source/aws); nil when AWS was not read.
	AWS *AWS

	indexOnce sync.Once
	podSpecs  []PodSpecRef
	byKind    map[string][]*Object

	memo sync.Map // key -> *memoEntry
}

type memoEntry struct {
	once sync.Once
	val  any
}

// Memo returns build's result for key, calling build once per inventory: indexes that
// several checks derive from the same objects (the NetworkPolicies by namespace, ...) are
// built once per scan instead of once per check. Like Seal, it assumes no further Add. The
// result is shared between checks running in parallel: treat it as read-only.
func Memo[T any](inv *Inventory, key any, build func() T) T {
	e, _ := inv.memo.LoadOrStore(key, &memoEntry{})
	entry := e.(*memoEntry)
	entry.once.Do(func() { entry.val = build() })
	return entry.val.(T)
}

// Add appends objects in source order.
func (inv *Inventory) Add(objs ...*Object) {
	for _, o := range objs {
		o.Seq = len(inv.Objects)
		inv.Objects = append(inv.Objects, o)
	}
}

// Report records an input problem.
func (inv *Inventory) Report(p ...Problem) { inv.Problems = append(inv.Problems, p...) }

// Seal builds the indexes. Later calls are no-ops; the indexes assume no further Add.
func (inv *Inventory) Seal() {
	inv.indexOnce.Do(func() {
		inv.byKind = make(map[string][]*Object)
		carriesPodSpec := map[string]bool{} // UIDs of objects that carry a pod spec
		for _, o := range inv.Objects {
			inv.byKind[o.Kind] = append(inv.byKind[o.Kind], o)
			if _, ok := PodSpecOf(o); ok && o.UID != "" {
				carriesPodSpec[o.UID] = true
			}
		}
		for _, o := range inv.Objects {
			if ref, ok := PodSpecOf(o); ok && !ownedByScannedController(o, carriesPodSpec) {
				// Every check lists the containers: list them once per scan.
				ref.all, ref.regular = ref.containers(true), ref.containers(false)
				inv.podSpecs = append(inv.podSpecs, ref)
			}
		}
		sort.SliceStable(inv.Problems, func(i, j int) bool { return problemLess(inv.Problems[i], inv.Problems[j]) })
	})
}

// ownedByScannedController reports whether a live object's pod spec is its controller's:
// a Pod of a ReplicaSet, a ReplicaSet of a Deployment, a Job of a CronJob. Per
// POD_SPEC_SOURCES such pod specs are reported once, on the top-most owner that was scanned.
func ownedByScannedController(o *Object, carriesPodSpec map[string]bool) bool {
	if o.UID == "" {
		return false
	}
	meta := objectMeta(o)
	if meta == nil {
		return false
	}
	for _, ref := range meta.OwnerReferences {
		if carriesPodSpec[string(ref.UID)] {
			return true
		}
	}
	return false
}

// PodSpecs returns every pod spec of every workload kind (POD_SPEC_SOURCES).
func (inv *Inventory) PodSpecs() []PodSpecRef {
	inv.Seal()
	return inv.podSpecs
}

// OfKind returns the objects of a kind, in source order, whatever their API group.
func (inv *Inventory) OfKind(kind string) []*Object {
	inv.Seal()
	return inv.byKind[kind]
}

// Errors counts problems of level error.
func (inv *Inventory) Errors() int {
	n := 0
	for _, p := range inv.Problems {
		if p.Level == ProblemError {
			n++
		}
	}
	return n
}

// SortProblems puts problems in report order (file, line, column, message), for problems
// added after Seal (exception annotations and expiries found while a scan runs).
func SortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return problemLess(ps[i], ps[j]) })
}

func problemLess(a, b Problem) bool {
	if a.Position.File != b.Position.File {
		return a.Position.File < b.Position.File
	}
	if a.Position.Line != b.Position.Line {
		return a.Position.Line < b.Position.Line
	}
	if a.Position.Column != b.Position.Column {
		return a.Position.Column < b.Position.Column
	}
	return a.Message < b.Message
}
