package vap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all"
	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/policy/vap"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

var env *kubetest.Env

func TestMain(m *testing.M) {
	os.Exit(kubetest.Run(m, func(e *kubetest.Env) error { env = e; return nil }))
}

// TestCoverage: every object-local check is exported or listed as unsupported with a reason.
func TestCoverage(t *testing.T) {
	all := check.MustAll()
	exported := map[string]bool{}
	for _, c := range vap.Exported(all) {
		exported[c.ID] = true
		if c.PodSpec == nil && len(c.Kinds) != 1 {
			t.Errorf("%s is exported as an Object check of %d kinds; object rules match one resource", c.ID, len(c.Kinds))
		}
	}
	for _, u := range vap.UnsupportedChecks(all) {
		if local := u.Check.PodSpec != nil || u.Check.Object != nil; local != u.ObjectLocal {
			t.Errorf("%s: ObjectLocal = %v", u.Check.ID, u.ObjectLocal)
		}
		if strings.TrimSpace(u.Reason) == "" {
			t.Errorf("%s (%s) is neither exported as a ValidatingAdmissionPolicy nor listed as unsupported with a reason (internal/policy/vap/unsupported.go)", u.Check.ID, u.Check.Slug)
		}
	}
	for id := range vap.UnsupportedIDs() {
		c, ok := check.Lookup(id)
		switch {
		case !ok:
			t.Errorf("unsupported.go lists %s, which is not a registered check", id)
		case exported[id]:
			t.Errorf("%s is both exported and listed as unsupported", id)
		case c.PodSpec == nil && c.Object == nil:
			t.Errorf("unsupported.go lists %s, which is not object-local", id)
		}
	}
	for id := range vap.RuleIDs() {
		if _, ok := check.Lookup(id); !ok {
			t.Errorf("rules.go has a rule for %s, which is not a registered check", id)
		}
	}
}

// warnings collects the warning headers of the requests a client makes.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, msg)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	got := w.got
	w.got = nil
	return got
}

// admission creates fixture objects in dry-run mode and reports the policies that warned.
type admission struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	warn   *warnings
	nsDone map[string]bool
}

func newAdmission(t *testing.T) *admission {
	cfg := rest.CopyConfig(env.Config)
	w := &warnings{}
	cfg.WarningHandler = w
	d, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &admission{dyn: d, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), warn: w, nsDone: map[string]bool{}}
}

var workloadKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range check.WorkloadKinds {
		m[k] = true
	}
	return m
}()

// ensureNamespace creates namespace ns (for real) with the fixture's labels minus Pod
// Security Admission's, so only the exported policies judge the objects; and the
// ServiceAccount sa the ServiceAccount admission plugin looks up for pods.
func (a *admission) ensureNamespace(ctx context.Context, ns string, labels map[string]string, sa string) error {
	if !a.nsDone[ns] {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{}}}
		for k, v := range labels {
			if !strings.HasPrefix(k, "pod-security.kubernetes.io/") {
				n.Labels[k] = v
			}
		}
		if _, err := env.Client.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		a.nsDone[ns] = true
	}
	if sa == "" {
		return nil
	}
	_, err := env.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// readDocs decodes a multi-document YAML fixture.
func readDocs(fixture string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		return nil, err
	}
	return readDocsFrom(data)
}

func readDocsFrom(data []byte) ([]*unstructured.Unstructured, error) {
	var docs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			docs = append(docs, u)
		}
	}
}

// admissible rewrites a fixture's workloads the way a cluster would receive them, so both
// the scan and the API server judge the same objects: pod templates cannot carry ephemeral
// containers (the API server rejects them), so they are dropped; a pod without a
// serviceAccountName gets "default", as the ServiceAccount admission plugin (not enabled in
// this control plane) would set it. The result is written to a file for the scan.
func admissible(t *testing.T, docs []*unstructured.Unstructured) string {
	t.Helper()
	var b bytes.Buffer
	for _, u := range docs {
		switch u.GetKind() {
		case "Pod":
			if sa, _, _ := unstructured.NestedString(u.Object, "spec", "serviceAccountName"); sa == "" {
				_ = unstructured.SetNestedField(u.Object, "default", "spec", "serviceAccountName")
			}
		case "PodTemplate":
			unstructured.RemoveNestedField(u.Object, "template", "spec", "ephemeralContainers")
		case "CronJob":
			unstructured.RemoveNestedField(u.Object, "spec", "jobTemplate", "spec", "template", "spec", "ephemeralContainers")
		default:
			if workloadKinds[u.GetKind()] {
				unstructured.RemoveNestedField(u.Object, "spec", "template", "spec", "ephemeralContainers")
			}
		}
		data, err := yaml.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	f := filepath.Join(t.TempDir(), "fixture.yaml")
	if err := os.WriteFile(f, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// outcome is what the API server answered for one workload.
type outcome struct {
	warnings []string
	// denied is the message of a Forbidden answer from an admission policy, or "".
	denied string
	// inadmissible is the API server's answer to an object it rejects whatever the
	// policies say (invalid field combinations), or nil.
	inadmissible error
}

// submit sends the workloads of docs to the API server, labelled with
// eksguard-test/binding=binding so that only that binding judges them (see install), and
// returns the answer per workload. Namespaces of the fixture are created first. Workloads
// are created in dry-run mode, except pods with ephemeral containers: those can only be
// added to a running pod, so the pod is created without them and they are added (dry-run)
// through the ephemeralcontainers subresource, as kubectl debug does.
func (a *admission) submit(ctx context.Context, docs []*unstructured.Unstructured, kinds map[string]bool, binding string) (map[string]outcome, error) {
	for _, u := range docs {
		if u.GetKind() == "Namespace" && u.GetAPIVersion() == "v1" && !kinds["Namespace"] {
			if err := a.ensureNamespace(ctx, u.GetName(), u.GetLabels(), ""); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]outcome{}
	for _, u := range docs {
		if !kinds[u.GetKind()] {
			continue
		}
		u = u.DeepCopy()
		gvk := u.GroupVersionKind()
		m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, err
		}
		namespaced := m.Scope.Name() == meta.RESTScopeNameNamespace
		if u.GetNamespace() == "" && namespaced {
			u.SetNamespace("default")
		}
		if binding != "" {
			labels := u.GetLabels()
			if labels == nil {
				labels = map[string]string{}
			}
			labels[testBindingLabel] = binding
			u.SetLabels(labels)
		}
		sa, _, _ := unstructured.NestedString(u.Object, "spec", "serviceAccountName")
		if u.GetKind() != "Pod" {
			sa = ""
		}
		var res dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
		if namespaced {
			if err := a.ensureNamespace(ctx, u.GetNamespace(), nil, sa); err != nil {
				return nil, err
			}
			res = a.dyn.Resource(m.Resource).Namespace(u.GetNamespace())
		}
		key := u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
		eph, _, _ := unstructured.NestedSlice(u.Object, "spec", "ephemeralContainers")
		a.warn.take()
		if u.GetKind() != "Pod" || len(eph) == 0 {
			_, err = res.Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if apierrors.IsAlreadyExists(err) && u.GetKind() == "Namespace" {
				// kube-system and namespaces of earlier fixtures exist: the fixture's
				// labels are applied as an update, which the policy judges when they change.
				err = a.relabel(ctx, res, u)
			}
		} else {
			err = a.withEphemeral(ctx, res, u, eph)
		}
		o := outcome{warnings: a.warn.take()}
		switch {
		case apierrors.IsInvalid(err):
			o.inadmissible = err
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "ValidatingAdmissionPolicy"):
			o.denied = err.Error()
		case err != nil:
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = o
	}
	return out, nil
}

func (a *admission) relabel(ctx context.Context, res dynamic.ResourceInterface, u *unstructured.Unstructured) error {
	cur, err := res.Get(ctx, u.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.SetLabels(u.GetLabels())
	_, err = res.Update(ctx, cur, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

func (a *admission) withEphemeral(ctx context.Context, res dynamic.ResourceInterface, u *unstructured.Unstructured, eph []any) error {
	unstructured.RemoveNestedField(u.Object, "spec", "ephemeralContainers")
	zero := int64(0)
	_ = res.Delete(ctx, u.GetName(), metav1.DeleteOptions{GracePeriodSeconds: &zero})
	created, err := res.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	defer func() {
		_ = res.Delete(context.Background(), u.GetName(), metav1.DeleteOptions{GracePeriodSeconds: &zero})
	}()
	if err := unstructured.SetNestedSlice(created.Object, eph, "spec", "ephemeralContainers"); err != nil {
		return err
	}
	_, err = res.Update(ctx, created, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}, "ephemeralcontainers")
	return err
}

// install creates the export's policies and bindings and waits until they are enforced.
// bindingName names the binding of check c for scan configuration variant i (0 is the
// default configuration, bound under the export's own name).
func bindingName(c *check.Check, i int) string {
	if i == 0 {
		return vap.PolicyName(c)
	}
	return fmt.Sprintf("%s-v%d", vap.PolicyName(c), i)
}

// policyOf maps each test binding to the policy it binds.
var policyOf = map[string]string{}

// testBindingLabel selects, on a submitted object, the one test binding that judges it.
const testBindingLabel = "eksguard-test/binding"

// install creates the export's policies, and bindings for each of variants (namespace
// options of the scan configurations the fixtures use), and waits until they are enforced.
func install(t *testing.T, ctx context.Context, variants []vap.Options) {
	t.Helper()
	var objs []vap.Object
	for _, c := range vap.Exported(check.MustAll()) {
		var first *admissionv1.ValidatingAdmissionPolicy
		for i, opts := range variants {
			// A check whose policy depends on the options gets one policy per variant.
			p, err := vap.Policy(c, opts)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil || !reflect.DeepEqual(p.Spec, first.Spec) {
				p.Name = bindingName(c, i)
				objs = append(objs, p)
				if first == nil {
					first = p
				}
			} else {
				p = first
			}
			policyOf[bindingName(c, i)] = p.Name
			// The exported binding, narrowed to the objects the test labels for it: each
			// object is judged by one policy, and a denial names it.
			b := vap.Binding(c, opts)
			b.Name, b.Spec.PolicyName = bindingName(c, i), p.Name
			if b.Spec.MatchResources == nil {
				b.Spec.MatchResources = &admissionv1.MatchResources{}
			}
			b.Spec.MatchResources.ObjectSelector = &metav1.LabelSelector{MatchLabels: map[string]string{testBindingLabel: b.Name}}
			objs = append(objs, b)
		}
	}
	api := env.Client.AdmissionregistrationV1()
	for _, o := range objs {
		switch o := o.(type) {
		case *admissionv1.ValidatingAdmissionPolicy:
			if _, err := api.ValidatingAdmissionPolicies().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatalf("the API server rejects policy %s: %v", o.Name, err)
			}
		case *admissionv1.ValidatingAdmissionPolicyBinding:
			if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatalf("the API server rejects binding %s: %v", o.Name, err)
			}
		}
	}
	// Creating a policy compiles its expressions (a syntax error or an undeclared reference
	// is rejected above). Type checking against each kind's schema is reported by the
	// controller manager, which this control plane does not run; an expression that fails
	// at run time surfaces as a policy warning on a fixture the scan passes.
	// Policies and bindings reach the admission plugin through informers, which deliver
	// them in creation order: a sentinel policy and binding created last, warning on every
	// pod of one namespace, are enforced only once everything before them is.
	fail, warn := admissionv1.Fail, []admissionv1.ValidationAction{admissionv1.Warn}
	sentinel := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "zz-sentinel"},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
				Operations: []admissionv1.OperationType{admissionv1.Create},
				Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}}}},
			Validations: []admissionv1.Validation{{Expression: "false", Message: "sentinel"}},
		},
	}
	if _, err := api.ValidatingAdmissionPolicies().Create(ctx, sentinel, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "zz-sentinel"},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "zz-sentinel", ValidationActions: warn,
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "eksguard-probe"}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a := newAdmission(t)
	probe := []*unstructured.Unstructured{{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "probe", "namespace": "eksguard-probe"},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "busybox"}}},
	}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := a.submit(ctx, probe, workloadKinds, "")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.Join(got["Pod eksguard-probe/probe"].warnings, "\n"), "'zz-sentinel'") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the exported policies are not enforced after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// neverFailsWhenAdmissible are exported checks no object the API server admits can fail:
// procMount Unmasked is valid only with hostUsers false, where PSS baseline allows it.
var neverFailsWhenAdmissible = map[string]bool{"EKS-POD-010": true}

// TestParity applies every fixture of every exported check to the API server with the
// exported policies and bindings installed (action Deny) and requires the check's policy to
// deny exactly the workloads eksguard scan fails the check on. Each binding is narrowed by an
// object selector to the objects submitted for its check, so a denial is that policy's
// alone (with every policy bound, the API server reports only the first denial).
func TestParity(t *testing.T) {
	ctx := context.Background()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Fixtures may set a scan configuration: those that set only namespace options are
	// judged by bindings made with the same options; others are skipped.
	variants := []vap.Options{{}}
	variantOf := func(cfg check.Config) (int, bool) {
		taken := check.Config{ExemptNamespaces: cfg.ExemptNamespaces, IncludeSystemNamespaces: cfg.IncludeSystemNamespaces,
			AllowedHostPathPrefixes: cfg.AllowedHostPathPrefixes, ApprovedRegistries: cfg.ApprovedRegistries}
		if !reflect.DeepEqual(taken, cfg) {
			return 0, false
		}
		opts := vap.Options{ExemptNamespaces: cfg.ExemptNamespaces, IncludeSystemNamespaces: cfg.IncludeSystemNamespaces,
			AllowedHostPathPrefixes: cfg.AllowedHostPathPrefixes, ApprovedRegistries: cfg.ApprovedRegistries}
		for i, v := range variants {
			if reflect.DeepEqual(v, opts) {
				return i, true
			}
		}
		variants = append(variants, opts)
		return len(variants) - 1, true
	}
	for _, c := range vap.Exported(check.MustAll()) {
		fixtures, _ := filepath.Glob(filepath.Join(root, "internal", "checks", "*", "testdata", c.Slug, "*.yaml"))
		extra, _ := filepath.Glob(filepath.Join("testdata", c.Slug, "*.yaml"))
		for _, f := range append(fixtures, extra...) {
			variantOf(checktest.ConfigFor(t, f))
		}
	}
	install(t, ctx, variants)
	installed := len(variants)
	a := newAdmission(t)
	var compared, failing, skipped, inadmissible, objects, deniedObjects int
	for _, c := range vap.Exported(check.MustAll()) {
		dirs, _ := filepath.Glob(filepath.Join(root, "internal", "checks", "*", "testdata", c.Slug))
		if len(dirs) != 1 {
			t.Errorf("%s: want one fixture directory internal/checks/*/testdata/%s, found %d", c.ID, c.Slug, len(dirs))
			continue
		}
		fixtures, _ := filepath.Glob(filepath.Join(dirs[0], "*.yaml"))
		extra, _ := filepath.Glob(filepath.Join("testdata", c.Slug, "*.yaml"))
		fixtures = append(fixtures, extra...)
		var checkFails, checkPasses int
		t.Run(c.ID+"_"+c.Slug, func(t *testing.T) {
			for _, f := range fixtures {
				name := strings.TrimSuffix(filepath.Base(f), ".yaml")
				if strings.HasPrefix(f, "testdata") {
					name = "vap-" + name
				}
				t.Run(name, func(t *testing.T) {
					cfg := checktest.ConfigFor(t, f)
					variant, ok := variantOf(cfg)
					if variant >= installed {
						t.Fatalf("configuration %+v was not installed", cfg)
					}
					if !ok {
						skipped++
						t.Skipf("fixture sets a scan configuration (%+v) the export does not take", cfg)
					}
					binding := bindingName(c, variant)
					docs, err := readDocs(f)
					if err != nil {
						t.Fatal(err)
					}
					normalized := admissible(t, docs)
					scanFails := scan(t, c, normalized, cfg)
					kinds := workloadKinds
					if c.PodSpec == nil {
						kinds = map[string]bool{}
						for _, k := range c.Kinds {
							kinds[k] = true
						}
					}
					got, err := a.submit(ctx, docs, kinds, binding)
					if err != nil {
						t.Fatal(err)
					}
					for obj, o := range got {
						if o.inadmissible != nil {
							// Neither verdict means anything for an object no cluster can hold.
							t.Logf("not compared: %s: %v", obj, o.inadmissible)
							inadmissible++
							delete(got, obj)
							delete(scanFails, obj)
						}
					}
					if len(got) == 0 {
						t.Skip("the API server rejects every workload of the fixture, policies aside")
					}
					// Compare per workload: the set the scan fails must be the set the policy denies.
					denied := map[string]string{}
					for obj, o := range got {
						if o.denied == "" {
							continue
						}
						if !strings.Contains(o.denied, "'"+policyOf[binding]+"'") || !strings.Contains(o.denied, c.ID+" "+c.Title) {
							t.Errorf("%s %s: denied, but not by %s with its ID and title: %s", name, obj, policyOf[binding], o.denied)
						}
						denied[obj] = o.denied
					}
					compared++
					if len(scanFails) > 0 {
						failing++
						checkFails++
					} else {
						checkPasses++
					}
					for obj := range got {
						objects++
						if denied[obj] != "" {
							deniedObjects++
						}
						if len(scanFails[obj]) > 0 != (denied[obj] != "") {
							t.Errorf("MISMATCH %s %s %s: scan fails=%v %q; policy denies=%v %q", c.ID, name, obj, len(scanFails[obj]) > 0, scanFails[obj], denied[obj] != "", denied[obj])
						}
					}
					for obj := range scanFails {
						if _, ok := got[obj]; !ok {
							t.Errorf("%s %s: the scan fails %s, which was not submitted", c.ID, name, obj)
						}
					}
				})
			}
			if checkPasses == 0 || (checkFails == 0 && !neverFailsWhenAdmissible[c.ID]) {
				t.Errorf("%s: parity compared %d fixtures that fail the check and %d that pass it; it needs at least one of each (add fixtures the API server admits under internal/policy/vap/testdata/%s)", c.ID, checkFails, checkPasses, c.Slug)
			}
		})
	}
	t.Logf("parity: %d objects compared, %d of them denied; %d fixtures compared (%d failing the check), %d skipped for their scan configuration, %d workloads not compared because the API server rejects them whatever the policies say", objects, deniedObjects, compared, failing, skipped, inadmissible)
}

// scan returns the workloads eksguard scan fails check c on, in fixture f, with the
// findings' messages: findings above info that are neither exempt nor excepted (what the
// check's result counts as failed). Keys are "Kind namespace/name", as warned returns.
func scan(t *testing.T, c *check.Check, f string, cfg check.Config) map[string][]string {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{f}, files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inv.Problems {
		t.Errorf("fixture has an input problem: %s", p.Error())
	}
	findings, err := check.Run(context.Background(), inv, []*check.Check{c}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for i := range findings {
		if f := &findings[i]; f.Fails() && f.Severity > check.Info {
			ns := f.Object.Namespace
			if ns == "" && c.PodSpec != nil { // workloads are namespaced; kubectl puts them in default
				ns = "default"
			}
			key := f.Object.Kind + " " + ns + "/" + f.Object.Name
			out[key] = append(out[key], f.Message)
		}
	}
	return out
}

// TestDenyAction: with the default action a violating pod is rejected, the status naming
// the check ID and title and the offending container, and a compliant one is admitted. A
// pod admitted before the policy applied can still have its metadata updated (so it can be
// deleted and garbage-collected), but not its spec.
func TestDenyAction(t *testing.T) {
	ctx := context.Background()
	c, _ := check.Lookup("EKS-POD-001")
	if p, _ := vap.Policy(c, vap.Options{}); len(p.Spec.MatchConditions) != 1 {
		t.Fatalf("annotations honoured without --inline-exceptions: %v", p.Spec.MatchConditions)
	}
	p, err := vap.Policy(c, vap.Options{InlineExceptions: true})
	if err != nil {
		t.Fatal(err)
	}
	p.Name = "deny-test-privileged"
	b := vap.Binding(c, vap.Options{})
	b.Name, b.Spec.PolicyName = p.Name, p.Name
	if got := b.Spec.ValidationActions; len(got) != 1 || got[0] != admissionv1.Deny {
		t.Fatalf("default validation actions = %v, want [Deny]", got)
	}
	b.Spec.MatchResources.NamespaceSelector.MatchLabels = map[string]string{"eksguard-test/deny": "on"}
	a := newAdmission(t)
	if err := a.ensureNamespace(ctx, "deny-test", nil, "default"); err != nil {
		t.Fatal(err)
	}
	pods := env.Client.CoreV1().Pods("deny-test")
	pod := func(name string, privileged bool) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "deny-test"},
			Spec: corev1.PodSpec{ServiceAccountName: "default", Containers: []corev1.Container{
				{Name: "app", Image: "nginx:1.27", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}},
		}
	}
	// Admitted before the namespace is bound.
	old, err := pods.Create(ctx, pod("old", true), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	api := env.Client.AdmissionregistrationV1()
	if _, err := api.ValidatingAdmissionPolicies().Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err := env.Client.CoreV1().Namespaces().Get(ctx, "deny-test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels["eksguard-test/deny"] = "on"
	if _, err := env.Client.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = pods.Create(ctx, pod("p", true), dry)
		if err != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := `EKS-POD-001 Containers must not run privileged: container "app" runs privileged`
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("privileged pod: got %v, want a Forbidden error containing %q", err, want)
	}
	if _, err := pods.Create(ctx, pod("p", false), dry); err != nil {
		t.Fatalf("compliant pod: %v", err)
	}
	// With --inline-exceptions, eksguard.io/ignore excepts the check as in a scan: by ID or
	// slug, with a reason.
	for annotation, admitted := range map[string]bool{
		"EKS-POD-001: the node agent needs it":        true,
		"eksguard-pod-999: x; privileged: node agent": true,
		"eks-pod-001 : lower case and spaces":         true,
		"EKS-POD-001":                                 false, // no reason
		"EKS-POD-0011: another check":                 false,
		"EKS-POD-016: only allowPrivilegeEscalation":  false,
	} {
		excepted := pod("p", true)
		excepted.Annotations = map[string]string{exception.Annotation: annotation}
		_, err := pods.Create(ctx, excepted, dry)
		if admitted != (err == nil) {
			t.Errorf("annotation %q: admitted=%v, want %v (%v)", annotation, err == nil, admitted, err)
		}
	}
	// On a workload the pod template's annotations count too.
	tmpl := pod("web", true)
	tmpl.Annotations = map[string]string{exception.Annotation: "privileged: the node agent needs it"}
	labels := map[string]string{"app": "web"}
	tmpl.Labels = labels
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "deny-test"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}},
	}
	deploys := env.Client.AppsV1().Deployments("deny-test")
	if _, err := deploys.Create(ctx, deploy, dry); err != nil {
		t.Errorf("deployment whose pod template excepts the check: %v", err)
	}
	deploy.Spec.Template.Annotations = nil
	if _, err := deploys.Create(ctx, deploy, dry); !apierrors.IsForbidden(err) {
		t.Errorf("privileged deployment without exception: got %v, want Forbidden", err)
	}
	updDry := metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}
	labelled := old.DeepCopy()
	labelled.Labels = map[string]string{"touched": "yes"}
	labelled.Finalizers = []string{"example.com/keep"}
	if _, err := pods.Update(ctx, labelled, updDry); err != nil {
		t.Errorf("metadata update of a pod admitted before the policy: %v", err)
	}
	reimaged := old.DeepCopy()
	reimaged.Spec.Containers[0].Image = "nginx:1.28"
	if _, err := pods.Update(ctx, reimaged, updDry); !apierrors.IsForbidden(err) {
		t.Errorf("spec update of a privileged pod: got %v, want Forbidden", err)
	}
}

// TestDocs: docs/admission-policies.md lists what the export does.
func TestDocs(t *testing.T) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "docs", "admission-policies.md")
	want := vap.Markdown(check.MustAll())
	if checktest.Updating() {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("docs/admission-policies.md is stale; regenerate with EKSGUARD_UPDATE_GOLDEN=1 go test ./internal/policy/vap -run TestDocs")
	}
}

// TestYAMLCreates: the YAML the command writes is accepted by the API server as written
// (each object renamed, since TestParity installs the same names).
func TestYAMLCreates(t *testing.T) {
	ctx := context.Background()
	data, err := vap.WriteYAML(check.MustAll(), vap.Options{Action: admissionv1.Audit, ExemptNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := readDocsFrom(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * len(vap.Exported(check.MustAll())); len(docs) != want {
		t.Fatalf("%d documents, want %d", len(docs), want)
	}
	for _, u := range docs {
		u.SetName("yaml-" + u.GetName())
		if u.GetKind() == "ValidatingAdmissionPolicyBinding" {
			name, _, _ := unstructured.NestedString(u.Object, "spec", "policyName")
			_ = unstructured.SetNestedField(u.Object, "yaml-"+name, "spec", "policyName")
		}
		if _, err := env.Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("%s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}
