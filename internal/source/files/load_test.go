package files

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

func load(t *testing.T, files map[string]string, opts Options, args ...string) *inventory.Inventory {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range args {
		if a != StdinPath {
			args[i] = filepath.Join(dir, a)
		}
	}
	if len(args) == 0 {
		args = []string{dir}
	}
	inv, err := Load(context.Background(), args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func problems(inv *inventory.Inventory) string {
	var b strings.Builder
	for _, p := range inv.Problems {
		b.WriteString(filepath.Base(p.Position.File) + strings.TrimPrefix(p.Error(), p.Position.File) + "\n")
	}
	return b.String()
}

func refs(inv *inventory.Inventory) string {
	var s []string
	for _, o := range inv.Objects {
		s = append(s, o.ObjectRef.String())
	}
	return strings.Join(s, ",")
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
        securityContext:
          privileged: true
`

func TestPositionsPointAtFields(t *testing.T) {
	inv := load(t, map[string]string{"a.yaml": "# comment\n---\n" + deployment}, Options{})
	if len(inv.Objects) != 1 || len(inv.Problems) != 0 {
		t.Fatalf("objects %s problems %s", refs(inv), problems(inv))
	}
	o := inv.Objects[0]
	for _, tc := range []struct {
		path      fieldpath.Path
		line, col int
	}{
		{"", 3, 1},
		{"spec.template.spec.containers[0]", 12, 9},
		{"spec.template.spec.containers[0].securityContext.privileged", 15, 11},
		{"spec.template.spec.containers[0].resources.limits", 12, 9}, // absent: nearest parent
		{"metadata.namespace", 7, 3},
	} {
		p := o.Position(tc.path)
		if p.Line != tc.line || p.Column != tc.col {
			t.Errorf("%s at %d:%d, want %d:%d", tc.path, p.Line, p.Column, tc.line, tc.col)
		}
	}
	if _, ok := o.Typed.(*appsv1.Deployment); !ok {
		t.Fatalf("typed view %T", o.Typed)
	}
}

func TestJSONAndListsAreExpanded(t *testing.T) {
	inv := load(t, map[string]string{
		"list.json": `{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "namespace": "x"}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
   "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]}}
]}`,
		"pods.yaml": "apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: q}\n- 42\n",
		"crd.yaml":  "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n",
	}, Options{})
	if got := refs(inv); got != "Widget/w,x/ServiceAccount/a,Pod/p,Pod/q" {
		t.Fatalf("objects %s", got)
	}
	pod := inv.Objects[2]
	if p := pod.Position("spec.containers[0].securityContext.privileged"); p.Line != 4 || p.Column != 76 {
		t.Errorf("JSON field position %d:%d", p.Line, p.Column)
	}
	if pr := problems(inv); !strings.Contains(pr, "pods.yaml:7:3: error: items[1] of the List is a scalar") {
		t.Errorf("problems:\n%s", pr)
	}
}

func TestBadDocumentsDoNotHideTheRest(t *testing.T) {
	inv := load(t, map[string]string{"mixed.yaml": strings.Join([]string{
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: first}\n",
		"this: is: not yaml\n",
		"metadata: {name: nokind}\n",
		"- just\n- a list\n",
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: last}\n",
	}, "---\n")}, Options{})
	if got := refs(inv); got != "ServiceAccount/first,ServiceAccount/last" {
		t.Fatalf("objects %s", got)
	}
	want := "mixed.yaml:5: error: document 2 is not valid YAML or JSON: mapping values are not allowed in this context\n" +
		"mixed.yaml:7:1: error: document 3 has no kind; not a Kubernetes object\n" +
		"mixed.yaml:9:1: error: document 4 is a sequence, not a Kubernetes object\n"
	if got := problems(inv); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestHostileAndOddFiles(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for _, n := range "bcdefgh" {
		prev := string(n - 1)
		bomb += string(n) + ": &" + string(n) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
	}
	inv := load(t, map[string]string{
		"binary.yaml": "apiVersion: v1\x00\x01\x02",
		"empty.yaml":  "   \n",
		"big.yaml":    deployment + strings.Repeat("# padding\n", 200),
		"bomb.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  " + strings.ReplaceAll(bomb, "\n", "\n  ") + "\n",
		"deep.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: " + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "\n",
		"helm.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n" +
			"---\n{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n{{- end }}\n",
		"ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tmpl}\ndata:\n  greeting: \"{{name}}\"\n  rule: |\n    {{ $labels.instance }} is down\n",
	}, Options{MaxFileSize: 2048})
	if got := refs(inv); got != "ConfigMap/tmpl" {
		t.Fatalf("objects %s", got)
	}
	for _, want := range []string{
		"big.yaml: error: file is 2219 bytes, over the 2048-byte limit",
		"binary.yaml: error: binary file",
		"bomb.yaml:",
		"a YAML alias bomb",
		"deep.yaml:4:",
		"nested deeper than 512 levels",
		"empty.yaml: warning: file is empty",
		"helm.yaml:4:9: error: document 1 not scanned: metadata.name: unrendered template action",
		"helm.yaml:6: error: document 2 is not valid YAML or JSON",
		"hint: this looks like an unrendered Helm template",
	} {
		if !strings.Contains(problems(inv), want) {
			t.Errorf("problems lack %q:\n%s", want, problems(inv))
		}
	}
}

func TestReadAsTheAPIServerDoes(t *testing.T) {
	inv := load(t, map[string]string{"p.yaml": `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: yes
  containers:
  - name: a
    image: i
    securityContext:
      privileged: false
      privileged: on
      runAsUser: "0"
  volumes:
  - name: v
    secret: {secretName: s, defaultMode: 0644}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {password: hunter2}
data: {token: aHVudGVyMg==}
`}, Options{})
	pod, ok := inv.Objects[0].Typed.(*corev1.Pod)
	if !ok {
		t.Fatalf("pod not decoded: %s", problems(inv))
	}
	if !pod.Spec.HostNetwork || !*pod.Spec.Containers[0].SecurityContext.Privileged {
		t.Error("YAML 1.1 booleans (yes, on) must read as true, as the API server reads them")
	}
	if *pod.Spec.Volumes[0].Secret.DefaultMode != 0o644 {
		t.Errorf("0644 must read as octal, got %d", *pod.Spec.Volumes[0].Secret.DefaultMode)
	}
	if pod.Spec.Containers[0].SecurityContext.RunAsUser != nil {
		t.Error("a mistyped field must be left out")
	}
	if pod.Spec.Containers[0].Image != "i" {
		t.Error("the rest of a partly mistyped object must still decode")
	}
	want := "p.yaml:11:7: warning: Pod/p: spec.containers[0].securityContext.privileged: duplicate key \"privileged\" (first at line 10); the last value wins, as in the API server\n" +
		"p.yaml:12:7: error: Pod/p: spec.containers[0].securityContext.runAsUser: field has the wrong type: got a string, want int64; the field is ignored and the rest of the object is checked\n"
	if got := problems(inv); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
	secret, ok := inv.Objects[1].Typed.(*corev1.Secret)
	if !ok || len(secret.Data) != 1 || len(secret.StringData) != 1 {
		t.Fatalf("secret keys must survive: %#v", inv.Objects[1].Typed)
	}
	for k, v := range secret.Data {
		if len(v) != 0 {
			t.Errorf("secret data[%s] kept its value", k)
		}
	}
	for k, v := range secret.StringData {
		if v != "" {
			t.Errorf("secret stringData[%s] kept its value", k)
		}
	}
}

func TestWrongTypeForWholeTemplate(t *testing.T) {
	inv := load(t, map[string]string{"d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n  template: \"oops\"\n"}, Options{})
	if len(inv.Objects) != 1 {
		t.Fatal("the object must stay in the inventory")
	}
	if got := problems(inv); !strings.Contains(got, "d.yaml:6:3: error: Deployment/d: spec.template: field has the wrong type: got a string, want v1.PodTemplateSpec") {
		t.Errorf("problems:\n%s", got)
	}
	if d := inv.Objects[0].Typed.(*appsv1.Deployment); *d.Spec.Replicas != 2 {
		t.Error("other fields must still decode")
	}
}

func TestDirectoriesStdinAndMissingPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sa := func(name string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: " + name + "}\n"
	}
	write("b/one.yml", sa("one"))
	write("a/two.JSON", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"two"}}`)
	write("a/notes.txt", sa("ignored"))
	write(".git/x.yaml", sa("hidden"))
	write(".eksguard.yaml", "exceptions: []\n") // eksguard's exceptions file, not a manifest
	write("b/.eksguard.yaml", "exceptions: []\n")
	inv, err := Load(context.Background(), []string{dir, "-", filepath.Join(dir, "missing.yaml")},
		Options{Stdin: bytes.NewBufferString(sa("stdin"))})
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(inv); got != "ServiceAccount/two,ServiceAccount/one,ServiceAccount/stdin" {
		t.Errorf("objects %s", got)
	}
	if got := problems(inv); got != "missing.yaml: error: no such file or directory\n" {
		t.Errorf("problems %s", got)
	}
	if inv.Objects[2].Origin.File != "-" {
		t.Errorf("stdin origin %q", inv.Objects[2].Origin.File)
	}
}

func TestSplitDocumentsKeepsLines(t *testing.T) {
	chunks := splitDocuments([]byte("a: 1\n---\nb: 2\n--- # c\nc: 3\n...\n---x: not a marker\n"))
	var got []int
	for _, c := range chunks {
		got = append(got, c.line)
	}
	if len(chunks) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 4 || got[3] != 7 {
		t.Fatalf("chunks at lines %v", got)
	}
}

func TestSelfMergingAnchorsTerminate(t *testing.T) {
	inv := load(t, map[string]string{
		"self.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x, <<: *m}\n",
		"fan.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fan}\na: &a {k0: 0, k1: 1}\nb: &b {<<: [*a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b]}\nd: {<<: [*c, *c, *c, *c]}\n",
	}, Options{})
	got := problems(inv)
	if !strings.Contains(got, "self.yaml:3:") {
		t.Errorf("a self-merging anchor must be reported:\n%s", got)
	}
	if refs(inv) != "ConfigMap/fan" {
		t.Errorf("objects %s (a bounded fan-out of merges is fine)\n%s", refs(inv), got)
	}
}

// TestVeryDeepDocumentsAreErrorsNotCrashes: a million nested brackets or dashes is a clear
// error, not a stack overflow (a Go stack overflow cannot be recovered and would kill the
// scan of every other file).
func TestVeryDeepDocumentsAreErrorsNotCrashes(t *testing.T) {
	head := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n"
	inv := load(t, map[string]string{
		"brackets.yaml": head + "data: " + strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000) + "\n",
		"dashes.yaml":   head + "x:\n" + strings.Repeat("- ", 1_000_000) + "x\n",
		"ok.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
	}, Options{})
	if got := refs(inv); got != "ConfigMap/ok" {
		t.Fatalf("objects %s", got)
	}
	for _, want := range []string{"brackets.yaml:4: error", "dashes.yaml:4: error", "exceeded max depth"} {
		if !strings.Contains(problems(inv), want) {
			t.Errorf("problems lack %q:\n%s", want, problems(inv))
		}
	}
}

// TestRepeatedObjectsWarned: an object that repeats the group, kind, namespace and name of an
// earlier one is kept (both are checked) with a warning at its metadata.name naming the
// first; other namespaces, other groups and unnamed objects are not repeats.
func TestRepeatedObjectsWarned(t *testing.T) {
	inv := load(t, map[string]string{
		"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: other\n  name: app\n" +
			"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n" +
			"---\napiVersion: v1\nkind: Pod\nmetadata:\n  generateName: job-\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  generateName: job-\n",
		"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: shop\n  name: app\n",
	}, Options{})
	if len(inv.Objects) != 7 {
		t.Fatalf("loaded %d objects, want all 7 (repeats are kept)", len(inv.Objects))
	}
	if len(inv.Problems) != 1 {
		t.Fatalf("problems = %v, want one warning for the repeated ConfigMap", inv.Problems)
	}
	p := inv.Problems[0]
	if p.Level != inventory.ProblemWarning || filepath.Base(p.Position.File) != "b.yaml" || p.Position.Line != 5 || p.Path != "metadata.name" ||
		!strings.Contains(p.Message, `the same ConfigMap is also defined at `) || !strings.Contains(p.Message, "a.yaml:1;") {
		t.Fatalf("warning = %+v, want one at b.yaml:5 metadata.name naming a.yaml:1", p)
	}
}

// TestDuplicateKeysSmallAndLargeMappings: mappings up to smallMapping keys find duplicates by
// scanning, larger ones with a map; both name the previous occurrence, and the last value wins.
func TestDuplicateKeysSmallAndLargeMappings(t *testing.T) {
	for _, extra := range []int{0, smallMapping + 4} {
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n")
		for i := range extra {
			fmt.Fprintf(&b, "  k%d: v\n", i)
		}
		line := 6 + extra
		b.WriteString("  a: one\n  \"<<\": x\n  a: two\n  a: three\n")
		inv := load(t, map[string]string{"c.yaml": b.String()}, Options{})
		cm, ok := inv.Objects[0].Typed.(*corev1.ConfigMap)
		if !ok || cm.Data["a"] != "three" || cm.Data["<<"] != "x" {
			t.Fatalf("extra=%d: data = %v, want the last a and the quoted \"<<\" key", extra, inv.Objects[0].Typed)
		}
		want := fmt.Sprintf("c.yaml:%d:3: warning: ConfigMap/c: data.a: duplicate key \"a\" (first at line %d); the last value wins, as in the API server\n", line+2, line) +
			fmt.Sprintf("c.yaml:%d:3: warning: ConfigMap/c: data.a: duplicate key \"a\" (first at line %d); the last value wins, as in the API server\n", line+3, line+2)
		if got := problems(inv); got != want {
			t.Errorf("extra=%d: problems:\n%s\nwant:\n%s", extra, got, want)
		}
	}
}

// TestRepeatedClusterScopedIgnoresNamespace: a metadata.namespace on a cluster-scoped kind
// (charts stamp it on ClusterRoles) does not make two copies different objects.
func TestRepeatedClusterScopedIgnoresNamespace(t *testing.T) {
	inv := load(t, map[string]string{"r.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: x\n  namespace: a\n" +
		"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: x\n  namespace: b\n"}, Options{})
	if len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].Message, "the same ClusterRole is also defined at ") {
		t.Fatalf("problems = %v, want one repeat warning", inv.Problems)
	}
}
