package check

import (
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
)

// TestSortFindingsIsTheStableOrder compares SortFindings with a plain stable sort on the
// same comparison, over findings with many ties (equal keys must keep their input order).
func TestSortFindingsIsTheStableOrder(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 2, 7, 100, 2000} {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = Finding{
				CheckID:  "EKS-POD-00" + strconv.Itoa(r.Intn(3)),
				Position: inventory.Position{File: []string{"", "a.yaml", "b.yaml"}[r.Intn(3)], Line: r.Intn(4), Column: r.Intn(2)},
				Resource: []string{"", "arn:x"}[r.Intn(2)],
				Message:  strconv.Itoa(r.Intn(2)),
				Title:    strconv.Itoa(i), // identifies the input position of ties
				seq:      r.Intn(5),
			}
		}
		want := make([]Finding, n)
		copy(want, fs)
		sort.SliceStable(want, func(i, j int) bool { return compareFindings(&want[i], &want[j]) < 0 })
		SortFindings(fs)
		if !reflect.DeepEqual(fs, want) {
			t.Fatalf("n=%d: SortFindings differs from the stable sort", n)
		}
	}
}
