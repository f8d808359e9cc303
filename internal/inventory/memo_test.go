package inventory

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemoBuildsOncePerInventoryAndKey(t *testing.T) {
	inv, other := &Inventory{}, &Inventory{}
	type keyA struct{}
	type keyB struct{}
	var builds atomic.Int32
	build := func() *int { builds.Add(1); n := int(builds.Load()); return &n }
	var wg sync.WaitGroup
	got := make([]*int, 16)
	for i := range got {
		wg.Go(func() { got[i] = Memo(inv, keyA{}, build) })
	}
	wg.Wait()
	for _, p := range got[1:] {
		if p != got[0] {
			t.Fatalf("Memo returned different values for one key: %p and %p", p, got[0])
		}
	}
	if builds.Load() != 1 {
		t.Fatalf("built %d times for one key, want 1", builds.Load())
	}
	if Memo(inv, keyB{}, build) == got[0] || Memo(other, keyA{}, build) == got[0] {
		t.Fatal("another key or another inventory shared the first value")
	}
	if builds.Load() != 3 {
		t.Fatalf("built %d times for three (inventory, key) pairs, want 3", builds.Load())
	}
}

func TestNormalizeImageID(t *testing.T) {
	for in, want := range map[string]string{
		"docker-pullable://repo/app@sha256:abc":                   "repo/app@sha256:abc",
		"111122223333.dkr.ecr.us-east-1.amazonaws.com/a@sha256:1": "111122223333.dkr.ecr.us-east-1.amazonaws.com/a@sha256:1",
		"sha256:abc":          "", // containerd without a repository: nothing to look up
		"":                    "",
		"repo@":               "",
		"docker://sha256:abc": "",
	} {
		if got := NormalizeImageID(in); got != want {
			t.Errorf("NormalizeImageID(%q) = %q, want %q", in, got, want)
		}
	}
}
