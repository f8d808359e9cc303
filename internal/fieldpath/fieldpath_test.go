package fieldpath

import "testing"

func TestPathRenderingAndParents(t *testing.T) {
	p := Root.Key("spec").Key("template").Key("metadata").Key("annotations").Key("container.apparmor.security.beta.kubernetes.io/app").Key("x")
	want := `spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"].x`
	if string(p) != want {
		t.Fatalf("got %s, want %s", p, want)
	}
	var chain []Path
	for q, ok := p, true; ok; q, ok = q.Parent() {
		chain = append(chain, q)
	}
	wantChain := []Path{
		p,
		`spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]`,
		"spec.template.metadata.annotations",
		"spec.template.metadata",
		"spec.template",
		"spec",
		Root,
	}
	if len(chain) != len(wantChain) {
		t.Fatalf("parent chain %q, want %q", chain, wantChain)
	}
	for i := range chain {
		if chain[i] != wantChain[i] {
			t.Fatalf("parent chain %q, want %q", chain, wantChain)
		}
	}
	q := Root.Key("spec").Key("containers").Index(3).Key("ports").Index(0)
	if q != "spec.containers[3].ports[0]" {
		t.Fatalf("got %s", q)
	}
	if par, _ := q.Parent(); par != "spec.containers[3].ports" {
		t.Fatalf("parent %s", par)
	}
	if par, _ := Path(`a["x\"]"]`).Parent(); par != "a" {
		t.Fatalf("quoted parent %s", par)
	}
}

func TestIncrementalHashMatchesRendered(t *testing.T) {
	h := RootHash.Key(true, "spec").Key(false, "containers").Index(12).Key(false, "odd key.with/dots")
	p := Root.Key("spec").Key("containers").Index(12).Key("odd key.with/dots")
	if h != Of(p) {
		t.Fatalf("incremental hash %x != hash of %s %x", h, p, Of(p))
	}
	if Root.Join("a.b") != "a.b" || Path("x").Join("[1].y") != "x[1].y" || Path("x").Join("y") != "x.y" {
		t.Fatal("Join")
	}
}

func TestKeyHashFastPathMatchesQuoting(t *testing.T) {
	for _, k := range []string{"app.kubernetes.io/name", `quote"d`, `back\slash`, "tab\tkey", "ünï", "x y"} {
		if RootHash.Key(true, "a").Key(false, k) != Of(Root.Key("a").Key(k)) {
			t.Errorf("hash of key %q differs from hash of its rendered path", k)
		}
	}
}
