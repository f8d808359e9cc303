// Command peercount reads the JSON reports of eksguard and of peer scanners (kube-score,
// kube-linter, kubeaudit, Polaris, Trivy) over one corpus, maps every rule to a shared concept
// and writes the markdown tables of bench/peers.sh: one row per tool run (time, memory, exit
// status, findings) and a concept x tool table of flagged objects.
//
//	peercount -corpus bench/corpus -spec spec/checks.yaml -runs runs.tsv -title "Real corpus" \
//	    -o peers-real.md -gaps gaps-real.md
//
// A concept is an eksguard check. Peer rules are mapped to checks through the catalogue's
// references.anchors (spec/checks.yaml), which name the exact peer rule; where a tool reports
// under another name than the anchor (kube-linter check names vs. templates, kubeaudit result
// names vs. auditors) the alias table below says which anchor a rule belongs to, and a few
// rules the catalogue has no anchor for are mapped by hand and marked as such. Objects are
// counted by kind, namespace and name, so a rule that fires once per container counts once.
//
// runs.tsv has one line per run: id, tool, label, version, wall seconds, CPU seconds (user +
// system), peak RSS KiB, exit status, notes (starting with "load=<1-minute load average>"),
// report path ("-" when there is none). Tools: eksguard, kube-score,
// kube-linter, kubeaudit (the report is the per-file JSON lines, concatenated), polaris,
// trivy.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

func main() {
	corpus := flag.String("corpus", "", "corpus directory the tools scanned (for object lookups)")
	spec := flag.String("spec", "spec/checks.yaml", "eksguard check catalogue")
	runsFile := flag.String("runs", "", "runs TSV written by bench/peers.sh")
	title := flag.String("title", "", "section title")
	out := flag.String("o", "-", "markdown output")
	gaps := flag.String("gaps", "", "also write the objects peers flag that eksguard does not, per concept")
	flag.IntVar(&gapsLimit, "gaps-limit", 40, "objects listed per concept and tool in -gaps (0: all)")
	flag.Parse()
	if *corpus == "" || *runsFile == "" {
		fmt.Fprintln(os.Stderr, "usage: peercount -corpus DIR -runs runs.tsv [-spec spec/checks.yaml] [-title T] [-o out.md] [-gaps gaps.md]")
		os.Exit(2)
	}
	if err := run(*corpus, *spec, *runsFile, *title, *out, *gaps); err != nil {
		fmt.Fprintln(os.Stderr, "peercount:", err)
		os.Exit(1)
	}
}

var gapsLimit int

// objKey identifies an object across tools: kind, namespace ("" for cluster-scoped kinds,
// "default" for a namespaced object without one) and name.
type objKey struct{ Kind, Namespace, Name string }

func (k objKey) String() string {
	if k.Namespace == "" {
		return k.Kind + "/" + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}

var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "StorageClass": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "CustomResourceDefinition": true, "ValidatingWebhookConfiguration": true,
	"MutatingWebhookConfiguration": true, "APIService": true, "CSIDriver": true, "IngressClass": true,
	"PriorityClass": true, "PodSecurityPolicy": true, "RuntimeClass": true, "ValidatingAdmissionPolicy": true,
	"ValidatingAdmissionPolicyBinding": true, "VolumeSnapshotClass": true,
}

func newKey(kind, ns, name string) objKey {
	if clusterScoped[kind] {
		ns = ""
	} else if ns == "" {
		ns = "default"
	}
	return objKey{kind, ns, name}
}

// hit is one rule firing on one object.
type hit struct {
	Rule string
	Obj  objKey
	File string // where known, relative to the corpus
}

// ---------------------------------------------------------------------------------------------
// Corpus index: every document's kind, name, namespace, file and first line.

type doc struct {
	Kind, Name, Namespace string
	Line                  int
	RoleRef               objKey // the role a RoleBinding or ClusterRoleBinding binds
}

type index struct {
	files     map[string][]doc    // relative path -> documents in order
	lines     map[string][]string // relative path -> its lines (for Trivy's unnamed findings)
	kinds     map[string]string   // lower-case kind -> kind
	documents int
	bytes     int64
	dupes     int // documents whose kind/namespace/name another document already has
}

func buildIndex(root string) (*index, error) {
	ix := &index{files: map[string][]doc{}, lines: map[string][]string{}, kinds: map[string]string{}}
	seen := map[objKey]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ix.bytes += int64(len(data))
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		ix.lines[rel] = strings.Split(string(data), "\n")
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var n yaml.Node
			if err := dec.Decode(&n); err != nil {
				break // io.EOF or a broken document: the rest of the file is not indexed
			}
			if len(n.Content) == 0 {
				continue
			}
			var m struct {
				Kind     string `yaml:"kind"`
				Metadata struct {
					Name      string `yaml:"name"`
					Namespace string `yaml:"namespace"`
				} `yaml:"metadata"`
				RoleRef struct {
					Kind string `yaml:"kind"`
					Name string `yaml:"name"`
				} `yaml:"roleRef"`
				Items []struct {
					Kind     string `yaml:"kind"`
					Metadata struct {
						Name      string `yaml:"name"`
						Namespace string `yaml:"namespace"`
					} `yaml:"metadata"`
				} `yaml:"items"`
			}
			if n.Decode(&m) != nil || m.Kind == "" {
				continue
			}
			add := func(kind, name, ns string) {
				ix.documents++
				ix.kinds[strings.ToLower(kind)] = kind
				d := doc{Kind: kind, Name: name, Namespace: ns, Line: n.Content[0].Line}
				if (kind == "RoleBinding" || kind == "ClusterRoleBinding") && m.RoleRef.Name != "" {
					d.RoleRef = newKey(m.RoleRef.Kind, ns, m.RoleRef.Name)
				}
				ix.files[rel] = append(ix.files[rel], d)
				k := newKey(kind, ns, name)
				if seen[k] {
					ix.dupes++
				}
				seen[k] = true
			}
			if strings.HasSuffix(m.Kind, "List") && len(m.Items) > 0 {
				for _, it := range m.Items {
					add(it.Kind, it.Metadata.Name, it.Metadata.Namespace)
				}
				continue
			}
			add(m.Kind, m.Metadata.Name, m.Metadata.Namespace)
		}
		return nil
	})
	return ix, err
}

// lookup finds kind/name in file (case-insensitive kind) and returns its key.
func (ix *index) lookup(file, kind, name string) (objKey, bool) {
	for _, d := range ix.files[file] {
		if strings.EqualFold(d.Kind, kind) && d.Name == name {
			return newKey(d.Kind, d.Namespace, d.Name), true
		}
	}
	return objKey{}, false
}

// ---------------------------------------------------------------------------------------------
// Concepts: eksguard checks, and which peer rule belongs to which.

type specCheck struct {
	ID         string `yaml:"id"`
	Title      string `yaml:"title"`
	References struct {
		Anchors map[string]string `yaml:"anchors"`
	} `yaml:"references"`
}

// label is a short concept name per check, for the table; other checks show their title.
var label = map[string]string{
	"EKS-IAM-020": "default SA automounts token", "EKS-IAM-021": "default service account used",
	"EKS-IAM-022": "SA token automounted", "EKS-IAM-023": "shared service account",
	"EKS-IAM-025": "cluster-admin bound", "EKS-IAM-026": "RBAC wildcards", "EKS-IAM-027": "RBAC: secrets access",
	"EKS-IAM-028": "RBAC: create pods", "EKS-IAM-029": "RBAC: bind/escalate/impersonate",
	"EKS-IAM-031": "RBAC: nodes/proxy", "EKS-IAM-032": "RBAC: webhook configurations",
	"EKS-IAM-034": "RBAC: anonymous", "EKS-IAM-035": "RBAC: system:authenticated", "EKS-IAM-036": "RBAC: exec/attach",
	"EKS-POD-001": "privileged", "EKS-POD-002": "hostPID", "EKS-POD-003": "hostIPC", "EKS-POD-004": "hostNetwork",
	"EKS-POD-005": "capabilities added", "EKS-POD-006": "hostPath volume", "EKS-POD-007": "hostPort",
	"EKS-POD-008": "AppArmor", "EKS-POD-009": "SELinux options", "EKS-POD-010": "procMount", "EKS-POD-011": "seccomp Unconfined",
	"EKS-POD-012": "unsafe sysctls", "EKS-POD-013": "Windows HostProcess", "EKS-POD-015": "restricted volume types",
	"EKS-POD-016": "allowPrivilegeEscalation", "EKS-POD-017": "runAsNonRoot", "EKS-POD-018": "runAsUser 0",
	"EKS-POD-019": "seccomp profile unset", "EKS-POD-020": "capabilities: drop ALL", "EKS-POD-022": "runtime socket mounted",
	"EKS-POD-023": "writable hostPath", "EKS-POD-024": "hostPath outside approved prefixes",
	"EKS-POD-025": "resources missing", "EKS-POD-026": "readOnlyRootFilesystem", "EKS-POD-027": "low/unset UID/GID",
	"EKS-IMG-001": "latest/untagged image", "EKS-IMG-002": "image not pinned by digest", "EKS-IMG-003": "unapproved registry",
	"EKS-IMG-016": "imagePullPolicy", "EKS-RUN-005": "no Linux hardening", "EKS-NET-001": "no default-deny policy",
	"EKS-NET-002": "namespace without NetworkPolicy", "EKS-NET-003": "pod not selected by NetworkPolicy",
	"EKS-NET-011": "Ingress without TLS", "EKS-NET-014": "Service externalIPs", "EKS-TEN-001": "no ResourceQuota",
	"EKS-TEN-002": "no LimitRange", "EKS-TEN-003": "default namespace used", "EKS-TEN-008": "user workload in kube-system",
	"EKS-DATA-003": "secret in env var", "EKS-DATA-013": "credentials in env/ConfigMap",
	"EKS-IAM-008": "aws-auth writable by non-admins", "EKS-IAM-013": "aws-node without IRSA/Pod Identity",
	"EKS-IAM-030": "RBAC: create PersistentVolumes", "EKS-IAM-033": "RBAC: create SA tokens",
	"EKS-POD-028": "service links enabled", "EKS-POD-029": "namespace without PSA enforce",
	"EKS-POD-030": "PSA warn/audit weaker than enforce", "EKS-NET-006": "pods reach IMDS",
	"EKS-NET-010": "LoadBalancer without TLS", "EKS-NET-012": "LB TLS policy below 1.2",
	"EKS-NET-015": "internet-facing LB unrestricted", "EKS-TEN-005": "system priority class",
	"EKS-TEN-006": "isolated tenant not pinned", "EKS-DATA-010": "no external secrets store",
	"EKS-DATA-014": "mixed-trust secrets in a namespace", "EKS-IR-001": "no quarantine policy",
}

// alias maps a rule as a tool reports it to the anchor spelling in spec/checks.yaml and,
// where one anchor covers several checks, the check it belongs to. "check" without "anchor"
// maps a rule the catalogue has no anchor for (shown as such in the table).
type aliasT struct{ anchor, check string }

var alias = map[string]map[string]aliasT{
	"kube-linter": {
		// The catalogue names some kube-linter rules by template, some by check name, some by neither.
		"privileged-container":           {anchor: "privileged"},
		"host-pid":                       {anchor: "hostpid"},
		"host-ipc":                       {anchor: "hostipc"},
		"host-network":                   {anchor: "hostnetwork"},
		"privilege-escalation-container": {anchor: "privilege-escalation"},
		"no-read-only-root-fs":           {anchor: "read-only-root-fs"},
		"sensitive-host-mounts":          {anchor: "host-mounts"},
		"wildcard-in-rules":              {anchor: "wildcard-use-in-rules"},
		"unsafe-sysctls":                 {anchor: "sysctls"},
	},
	"kubeaudit": { // result names -> auditor (the anchor)
		"PrivilegedTrue":                                  {anchor: "privileged"},
		"NamespaceHostPIDTrue":                            {anchor: "hostns", check: "EKS-POD-002"},
		"NamespaceHostIPCTrue":                            {anchor: "hostns", check: "EKS-POD-003"},
		"NamespaceHostNetworkTrue":                        {anchor: "hostns", check: "EKS-POD-004"},
		"CapabilityAdded":                                 {anchor: "capabilities", check: "EKS-POD-005"},
		"CapabilityShouldDropAll":                         {anchor: "capabilities", check: "EKS-POD-020"},
		"CapabilityOrSecurityContextMissing":              {anchor: "capabilities", check: "EKS-POD-020"},
		"AppArmorAnnotationMissing":                       {anchor: "apparmor"},
		"AppArmorDisabled":                                {anchor: "apparmor"},
		"AppArmorBadValue":                                {anchor: "apparmor"},
		"SeccompProfileMissing":                           {anchor: "seccomp", check: "EKS-POD-019"},
		"SeccompDisabledPod":                              {anchor: "seccomp", check: "EKS-POD-011"},
		"SeccompDisabledContainer":                        {anchor: "seccomp", check: "EKS-POD-011"},
		"AllowPrivilegeEscalationNil":                     {anchor: "privesc"},
		"AllowPrivilegeEscalationTrue":                    {anchor: "privesc"},
		"RunAsNonRootPSCNilCSCNil":                        {anchor: "nonroot", check: "EKS-POD-017"},
		"RunAsNonRootPSCFalseCSCNil":                      {anchor: "nonroot", check: "EKS-POD-017"},
		"RunAsNonRootCSCFalse":                            {anchor: "nonroot", check: "EKS-POD-017"},
		"RunAsUserCSCRoot":                                {anchor: "nonroot", check: "EKS-POD-018"},
		"RunAsUserPSCRoot":                                {anchor: "nonroot", check: "EKS-POD-018"},
		"SensitivePathsMounted":                           {anchor: "mounts", check: "EKS-POD-024"},
		"LimitsNotSet":                                    {anchor: "limits"},
		"LimitsCPUNotSet":                                 {anchor: "limits"},
		"LimitsMemoryNotSet":                              {anchor: "limits"},
		"ReadOnlyRootFilesystemNil":                       {anchor: "rootfs"},
		"ReadOnlyRootFilesystemFalse":                     {anchor: "rootfs"},
		"ImageTagMissing":                                 {anchor: "image"},
		"AutomountServiceAccountTokenTrueAndDefaultSA":    {anchor: "asat"},
		"MissingDefaultDenyIngressAndEgressNetworkPolicy": {anchor: "netpols"},
		"MissingDefaultDenyIngressNetworkPolicy":          {anchor: "netpols"},
		"MissingDefaultDenyEgressNetworkPolicy":           {anchor: "netpols"},
		"AllowAllIngressNetworkPolicyExists":              {anchor: "netpols"},
		"AllowAllEgressNetworkPolicyExists":               {anchor: "netpols"},
	},
	"polaris": {
		// Polaris 10 has both rolebindingClusterAdminClusterRole and rolebindingClusterAdminRole.
		"rolebindingClusterAdminRole": {check: "EKS-IAM-025"},
	},
	"trivy": {
		"KSV-0004": {check: "EKS-POD-020"}, // "does not drop any capability": a subset of not dropping ALL
		"KSV-0037": {check: "EKS-TEN-008"}, // user resources in kube-system
	},
}

// mapper resolves a tool's rule to the checks (concepts) it counts under.
type mapper struct {
	anchors map[string]map[string][]string // tool -> anchor name -> check IDs
	titles  map[string]string
	handMap map[string]bool // "tool\x00rule" mapped without a catalogue anchor
}

func loadSpec(path string) (*mapper, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s struct {
		Checks []specCheck `yaml:"checks"`
	}
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := &mapper{anchors: map[string]map[string][]string{}, titles: map[string]string{}, handMap: map[string]bool{}}
	for _, c := range s.Checks {
		m.titles[c.ID] = c.Title
		for tool, names := range c.References.Anchors {
			if m.anchors[tool] == nil {
				m.anchors[tool] = map[string][]string{}
			}
			for _, n := range strings.Split(names, ",") {
				n = strings.TrimSpace(n)
				m.anchors[tool][n] = append(m.anchors[tool][n], c.ID)
			}
		}
	}
	// Every alias must point at an anchor the catalogue has, for the check it names.
	for tool, rules := range alias {
		for rule, a := range rules {
			if a.anchor == "" {
				if _, ok := m.titles[a.check]; !ok {
					return nil, fmt.Errorf("alias %s %s: unknown check %s", tool, rule, a.check)
				}
				continue
			}
			checks := m.anchors[tool][a.anchor]
			if len(checks) == 0 {
				return nil, fmt.Errorf("alias %s %s: spec has no %s anchor %q", tool, rule, tool, a.anchor)
			}
			if a.check != "" && !contains(checks, a.check) {
				return nil, fmt.Errorf("alias %s %s: %s anchor %q is not on %s", tool, rule, tool, a.anchor, a.check)
			}
		}
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m *mapper) concepts(tool, rule string) []string {
	if tool == "eksguard" {
		return []string{rule}
	}
	if a, ok := alias[tool][rule]; ok {
		if a.anchor == "" {
			m.handMap[tool+"\x00"+rule] = true
			return []string{a.check}
		}
		if a.check != "" {
			return []string{a.check}
		}
		return m.anchors[tool][a.anchor]
	}
	return m.anchors[tool][rule]
}

// covers reports whether a tool has any rule for the check (so 0 means "looked, found nothing"
// rather than "cannot say").
func (m *mapper) covers(tool, check string) bool {
	if tool == "eksguard" {
		return true
	}
	for _, checks := range m.anchors[tool] {
		if contains(checks, check) {
			return true
		}
	}
	for _, a := range alias[tool] {
		if a.check == check {
			return true
		}
	}
	return false
}

func (m *mapper) label(check string) string {
	if l, ok := label[check]; ok {
		return l
	}
	t := m.titles[check]
	if len(t) > 48 {
		t = t[:45] + "..."
	}
	return t
}

// ---------------------------------------------------------------------------------------------
// Tool reports.

func parseReport(tool, path, corpus string, ix *index) ([]hit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch tool {
	case "eksguard":
		return parseEksguard(f, corpus)
	case "kube-score":
		return parseKubeScore(f, corpus)
	case "kube-linter":
		return parseKubeLinter(f, corpus)
	case "kubeaudit":
		return parseKubeaudit(f)
	case "polaris":
		return parsePolaris(f)
	case "trivy":
		return parseTrivy(f, ix)
	}
	return nil, fmt.Errorf("unknown tool %q", tool)
}

func relTo(corpus, file string) string {
	if r, err := filepath.Rel(corpus, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	if abs, err := filepath.Abs(corpus); err == nil {
		if r, err := filepath.Rel(abs, file); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return file
}

func parseEksguard(r io.Reader, corpus string) ([]hit, error) {
	var rep struct {
		Findings []struct {
			CheckID string `json:"checkId"`
			Status  string `json:"status"`
			Object  struct {
				Kind, Namespace, Name string
			} `json:"object"`
			Location struct {
				File string `json:"file"`
			} `json:"location"`
		} `json:"findings"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, err
	}
	var hits []hit
	for _, f := range rep.Findings {
		if f.Status != "" && f.Status != "fail" {
			continue
		}
		hits = append(hits, hit{f.CheckID, newKey(f.Object.Kind, f.Object.Namespace, f.Object.Name), relTo(corpus, f.Location.File)})
	}
	return hits, nil
}

// kube-score grades: 1 critical, 5 warning, 7 almost OK, 10 OK; skipped checks did not run.
func parseKubeScore(r io.Reader, corpus string) ([]hit, error) {
	var objs []struct {
		TypeMeta struct {
			Kind string `json:"kind"`
		} `json:"type_meta"`
		ObjectMeta struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"object_meta"`
		FileName string `json:"file_name"`
		Checks   []struct {
			Check struct {
				ID string `json:"id"`
			} `json:"check"`
			Grade   int  `json:"grade"`
			Skipped bool `json:"skipped"`
		} `json:"checks"`
	}
	if err := json.NewDecoder(r).Decode(&objs); err != nil {
		return nil, err
	}
	var hits []hit
	for _, o := range objs {
		k := newKey(o.TypeMeta.Kind, o.ObjectMeta.Namespace, o.ObjectMeta.Name)
		for _, c := range o.Checks {
			if c.Skipped || c.Grade <= 0 || c.Grade > 5 {
				continue
			}
			hits = append(hits, hit{c.Check.ID, k, relTo(corpus, o.FileName)})
		}
	}
	return hits, nil
}

// kube-linter: one JSON document per run; several runs (split parts) may be concatenated.
func parseKubeLinter(r io.Reader, corpus string) ([]hit, error) {
	dec := json.NewDecoder(r)
	var hits []hit
	for {
		var rep struct {
			Reports []struct {
				Check  string `json:"Check"`
				Object struct {
					Metadata struct {
						FilePath string `json:"FilePath"`
					} `json:"Metadata"`
					K8sObject struct {
						Namespace        string `json:"Namespace"`
						Name             string `json:"Name"`
						GroupVersionKind struct {
							Kind string `json:"Kind"`
						} `json:"GroupVersionKind"`
					} `json:"K8sObject"`
				} `json:"Object"`
			} `json:"Reports"`
		}
		if err := dec.Decode(&rep); err != nil {
			if errors.Is(err, io.EOF) {
				return hits, nil
			}
			return hits, err
		}
		for _, x := range rep.Reports {
			o := x.Object.K8sObject
			hits = append(hits, hit{x.Check, newKey(o.GroupVersionKind.Kind, o.Namespace, o.Name), relTo(corpus, x.Object.Metadata.FilePath)})
		}
	}
}

// kubeaudit: JSON lines (logrus); level error and warning are findings, info is not.
func parseKubeaudit(r io.Reader) ([]hit, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var hits []hit
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var x struct {
			Name  string `json:"AuditResultName"`
			Level string `json:"level"`
			Kind  string `json:"ResourceKind"`
			NS    string `json:"ResourceNamespace"`
			Res   string `json:"ResourceName"`
		}
		if json.Unmarshal(line, &x) != nil || x.Name == "" {
			continue
		}
		if x.Level != "error" && x.Level != "warning" {
			continue
		}
		hits = append(hits, hit{x.Name, newKey(x.Kind, x.NS, x.Res), ""})
	}
	return hits, sc.Err()
}

func parsePolaris(r io.Reader) ([]hit, error) {
	type result struct {
		ID      string `json:"ID"`
		Success bool   `json:"Success"`
	}
	var rep struct {
		Results []struct {
			Name, Namespace, Kind string
			Results               map[string]result
			PodResult             *struct {
				Results          map[string]result
				ContainerResults []struct {
					Results map[string]result
				}
			}
		}
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, err
	}
	var hits []hit
	for _, o := range rep.Results {
		k := newKey(o.Kind, o.Namespace, o.Name)
		add := func(rs map[string]result) {
			for id, x := range rs {
				if !x.Success {
					hits = append(hits, hit{id, k, ""})
				}
			}
		}
		add(o.Results)
		if o.PodResult != nil {
			add(o.PodResult.Results)
			for _, c := range o.PodResult.ContainerResults {
				add(c.Results)
			}
		}
	}
	return hits, nil
}

// Trivy names the object only in free-text messages, in several styles; the patterns below
// cover them, and where a message names no object the finding's first line picks the document.
var trivyPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\bof '?([A-Za-z]+)'? '([^']+)'`),                               // Container 'c' of DaemonSet 'x' / of 'daemonset' 'x'
	regexp.MustCompile(`\bof ([A-Za-z]+) "([^"]+)"`),                                   // container "c" of daemonset "x"
	regexp.MustCompile(`^([A-Za-z]+) '([^']+)'`),                                       // DaemonSet 'x' should ... / Role 'x' ...
	regexp.MustCompile(`\bin ([a-z]+) ([a-z0-9][a-z0-9.-]*) \(namespace: [^)]*\)`),     // Container c in deployment x (namespace: n)
	regexp.MustCompile(`\bof ([a-z]+) ([a-z0-9][a-z0-9.-]*) in [a-z0-9.-]+ namespace`), // container c of daemonset x in n namespace
	regexp.MustCompile(`^([a-z]+) ([a-z0-9][a-z0-9.-]*) in [a-z0-9.-]+ namespace`),     // daemonset x in n namespace ...
}

// trivyByName resolves a Trivy message that names its object.
func trivyByName(ix *index, target, msg string) (objKey, bool) {
	for _, re := range trivyPatterns {
		m := re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		if _, known := ix.kinds[strings.ToLower(m[1])]; !known {
			continue
		}
		if k, ok := ix.lookup(target, m[1], m[2]); ok {
			return k, true
		}
	}
	return objKey{}, false
}

var podKinds = map[string]bool{"Pod": true, "PodTemplate": true, "ReplicationController": true, "ReplicaSet": true,
	"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "CronJob": true}

// trivyUnnamed tells, for Trivy rules whose message names no object, which documents can hold
// the finding: a kind and, where the rule is that specific, text the document must contain.
var trivyUnnamed = map[string]struct {
	roles bool
	text  *regexp.Regexp
}{
	"KSV-0044": {roles: true, text: regexp.MustCompile(`['"]\*['"]|\[\s*\*\s*\]|-\s+\*\s*$`)},
	"KSV-0045": {roles: true, text: regexp.MustCompile(`['"]\*['"]|\[\s*\*\s*\]|-\s+\*\s*$`)},
	"KSV-0046": {roles: true, text: regexp.MustCompile(`['"]\*['"]|\[\s*\*\s*\]|-\s+\*\s*$`)},
	"KSV-0047": {roles: true, text: regexp.MustCompile(`nodes/proxy`)},
	"KSV-0105": {text: regexp.MustCompile(`runAsUser:\s*0\s*$`)},
}

// trivyByLine places a finding whose message names no object and that no named finding shares
// a line range with. Trivy's line numbers drift from the file's in multi-document files (by
// up to ~60 lines either way in the generated corpus), so the line only narrows the search:
// among the documents within 100 lines that fit the rule (kind, and text where the rule is
// specific), the one nearest to the line.
func trivyByLine(ix *index, target, id, msg string, line int) (objKey, bool) {
	rule := trivyUnnamed[id]
	roles := rule.roles || strings.HasPrefix(msg, "Role ") || strings.HasPrefix(msg, "ClusterRole ")
	docs, lines := ix.files[target], ix.lines[target]
	best, bestDist := -1, 0
	for i, d := range docs {
		end := len(lines)
		if i+1 < len(docs) {
			end = docs[i+1].Line - 1
		}
		if roles != (d.Kind == "Role" || d.Kind == "ClusterRole") || (!roles && !podKinds[d.Kind]) {
			continue
		}
		dist := 0
		if line < d.Line {
			dist = d.Line - line
		} else if line > end {
			dist = line - end
		}
		if dist > 100 {
			continue
		}
		if rule.text != nil {
			hit := false
			for l := d.Line; l <= end && l <= len(lines); l++ {
				if rule.text.MatchString(lines[l-1]) {
					hit = true
					break
				}
			}
			if !hit {
				continue
			}
		}
		if best < 0 || dist < bestDist {
			best, bestDist = i, dist
		}
	}
	if best < 0 {
		return objKey{}, false
	}
	d := docs[best]
	return newKey(d.Kind, d.Namespace, d.Name), true
}

func parseTrivy(r io.Reader, ix *index) ([]hit, error) {
	var rep struct {
		Results []struct {
			Target            string `json:"Target"`
			Misconfigurations []struct {
				ID            string `json:"ID"`
				Status        string `json:"Status"`
				Message       string `json:"Message"`
				CauseMetadata struct {
					StartLine int `json:"StartLine"`
					EndLine   int `json:"EndLine"`
				} `json:"CauseMetadata"`
			} `json:"Misconfigurations"`
		} `json:"Results"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, err
	}
	var hits []hit
	for _, res := range rep.Results {
		target := filepath.ToSlash(res.Target)
		// Messages that name their object; the others take the object of a named message
		// with the same line range (Trivy reports every rule of one container with one range).
		type span struct{ start, end int }
		named := map[span]objKey{}
		keys := make([]objKey, len(res.Misconfigurations))
		found := make([]bool, len(res.Misconfigurations))
		for i, m := range res.Misconfigurations {
			if k, ok := trivyByName(ix, target, m.Message); ok {
				keys[i], found[i] = k, true
				named[span{m.CauseMetadata.StartLine, m.CauseMetadata.EndLine}] = k
			}
		}
		for i, m := range res.Misconfigurations {
			if m.Status != "FAIL" {
				continue
			}
			k, ok := keys[i], found[i]
			if !ok {
				k, ok = named[span{m.CauseMetadata.StartLine, m.CauseMetadata.EndLine}]
			}
			if !ok {
				k, ok = trivyByLine(ix, target, m.ID, m.Message, m.CauseMetadata.StartLine)
			}
			if !ok {
				k = objKey{"?", "", target + ":" + strconv.Itoa(m.CauseMetadata.StartLine)}
			}
			hits = append(hits, hit{m.ID, k, target})
		}
	}
	return hits, nil
}

// ---------------------------------------------------------------------------------------------
// Runs and tables.

type runT struct {
	ID, Tool, Label, Version, Wall, CPU, RSS, Exit, Notes, Report string

	ok       bool
	findings int
	objects  int
	byCheck  map[string]map[objKey]string // check -> object -> file
	byRule   map[string]map[objKey]bool   // unmapped rule -> objects
	ruleSeen map[string]bool
}

func readRuns(path string) ([]*runT, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var runs []*runT
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 10 {
			return nil, fmt.Errorf("%s: want 10 tab-separated fields, got %d: %q", path, len(f), line)
		}
		runs = append(runs, &runT{ID: f[0], Tool: f[1], Label: f[2], Version: f[3], Wall: f[4], CPU: f[5], RSS: f[6], Exit: f[7], Notes: f[8], Report: f[9]})
	}
	return runs, nil
}

func run(corpus, specPath, runsFile, title, out, gapsOut string) error {
	m, err := loadSpec(specPath)
	if err != nil {
		return err
	}
	ix, err := buildIndex(corpus)
	if err != nil {
		return err
	}
	runs, err := readRuns(runsFile)
	if err != nil {
		return err
	}
	for _, r := range runs {
		r.byCheck = map[string]map[objKey]string{}
		r.byRule = map[string]map[objKey]bool{}
		r.ruleSeen = map[string]bool{}
		if r.Report == "-" || r.Report == "" {
			continue
		}
		hits, err := parseReport(r.Tool, r.Report, corpus, ix)
		if err != nil {
			r.Notes = strings.TrimSpace(r.Notes + "; report unreadable: " + err.Error())
			continue
		}
		r.ok = true
		r.findings = len(hits)
		objs := map[objKey]bool{}
		unplaced := 0
		for _, h := range hits {
			if h.Obj.Kind == "?" {
				unplaced++
			}
		}
		if unplaced > 0 {
			r.Notes += fmt.Sprintf("; %d findings name no object and could not be placed (counted as one object each)", unplaced)
		}
		for _, h := range hits {
			objs[h.Obj] = true
			cs := m.concepts(r.Tool, h.Rule)
			if len(cs) == 0 {
				if r.byRule[h.Rule] == nil {
					r.byRule[h.Rule] = map[objKey]bool{}
				}
				r.byRule[h.Rule][h.Obj] = true
				continue
			}
			r.ruleSeen[h.Rule] = true
			for _, c := range cs {
				if r.byCheck[c] == nil {
					r.byCheck[c] = map[objKey]string{}
				}
				if _, ok := r.byCheck[c][h.Obj]; !ok || r.byCheck[c][h.Obj] == "" {
					r.byCheck[c][h.Obj] = h.File
				}
			}
		}
		r.objects = len(objs)
	}

	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "### %s\n\n", title)
	}
	nfiles := len(ix.files)
	fmt.Fprintf(&b, "Corpus `%s`: %d files, %d documents, %.1f MB", corpus, nfiles, ix.documents, float64(ix.bytes)/1e6)
	if ix.dupes > 0 {
		fmt.Fprintf(&b, " (%d documents repeat the kind, namespace and name of another; objects below are counted once per kind/namespace/name)", ix.dupes)
	}
	b.WriteString(".\n\n")

	b.WriteString("| tool | version | wall s | CPU s | peak RSS MiB | load before | exit / notes | findings | objects flagged |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---|---:|---:|\n")
	for _, r := range runs {
		rss := "–"
		if kib, err := strconv.ParseFloat(r.RSS, 64); err == nil {
			rss = fmt.Sprintf("%.0f", kib/1024)
		}
		findings, objects := "–", "–"
		if r.ok {
			findings, objects = strconv.Itoa(r.findings), strconv.Itoa(r.objects)
		}
		load, notes := splitLoad(r.Notes)
		status := "exit " + r.Exit
		if notes != "" {
			status += "; " + notes
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Label, r.Version, orDash(r.Wall), orDash(r.CPU), rss, load, status, findings, objects)
	}
	b.WriteString("\n")
	b.WriteString(speedLine(runs))

	// Concept x tool.
	concepts := map[string]bool{}
	for _, r := range runs {
		for c, objs := range r.byCheck {
			if len(objs) > 0 {
				concepts[c] = true
			}
		}
	}
	ids := make([]string, 0, len(concepts))
	for c := range concepts {
		ids = append(ids, c)
	}
	sort.Slice(ids, func(i, j int) bool { return checkLess(ids[i], ids[j]) })
	// Concepts some peer has a rule for go in the table; the others (only eksguard checks
	// them) on one line.
	var shared, own []string
	for _, c := range ids {
		peer := false
		for _, r := range runs {
			if r.Tool != "eksguard" && m.covers(r.Tool, c) {
				peer = true
			}
		}
		if peer {
			shared = append(shared, c)
		} else {
			own = append(own, c)
		}
	}
	b.WriteString("\nObjects flagged per concept. A concept is an eksguard check; peer rules map to it through the anchors of `spec/checks.yaml` († = a rule the catalogue has no anchor for, mapped by hand). Columns are the runs above by id (`eksguard-sys`: `--include-system-namespaces`; `kube-linter-all`: `--add-all-built-in`). `–`: the tool has no rule for the concept; `n/r`: not run or no report.\n\n")
	b.WriteString("| concept | check |")
	sep := "|---|---|"
	for _, r := range runs {
		fmt.Fprintf(&b, " %s |", r.ID)
		sep += "---:|"
	}
	b.WriteString("\n" + sep + "\n")
	for _, c := range shared {
		fmt.Fprintf(&b, "| %s | %s |", m.label(c), c)
		for _, r := range runs {
			switch {
			case !r.ok:
				b.WriteString(" n/r |")
			case !m.covers(r.Tool, c):
				b.WriteString(" – |")
			default:
				mark := ""
				for rule := range r.ruleSeen {
					if m.handMap[r.Tool+"\x00"+rule] && contains(m.concepts(r.Tool, rule), c) {
						mark = " †"
					}
				}
				fmt.Fprintf(&b, " %d%s |", len(r.byCheck[c]), mark)
			}
		}
		b.WriteString("\n")
	}
	if len(own) > 0 {
		var eg *runT
		for _, r := range runs {
			if r.Tool == "eksguard" && r.ok {
				eg = r
				break
			}
		}
		if eg != nil {
			b.WriteString("\nConcepts no peer has a rule for (objects eksguard flags): ")
			for i, c := range own {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%s %s %d", c, m.label(c), len(eg.byCheck[c]))
			}
			b.WriteString(".\n")
		}
	}

	// Peer rules without a concept.
	type ur struct {
		label, rule string
		n           int
	}
	var unmapped []ur
	for _, r := range runs {
		if r.Tool == "eksguard" {
			continue
		}
		for rule, objs := range r.byRule {
			unmapped = append(unmapped, ur{r.ID, rule, len(objs)})
		}
	}
	if len(unmapped) > 0 {
		sort.Slice(unmapped, func(i, j int) bool {
			if unmapped[i].label != unmapped[j].label {
				return unmapped[i].label < unmapped[j].label
			}
			return unmapped[i].rule < unmapped[j].rule
		})
		b.WriteString("\nPeer rules that map to no eksguard check (objects flagged): ")
		last := ""
		for i, u := range unmapped {
			if u.label != last {
				if i > 0 {
					b.WriteString("; ")
				}
				fmt.Fprintf(&b, "**%s**: ", u.label)
				last = u.label
			} else {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "`%s` %d", u.rule, u.n)
		}
		b.WriteString(".\n")
	}

	if err := writeOut(out, b.String()); err != nil {
		return err
	}
	if gapsOut != "" {
		return writeOut(gapsOut, gapsReport(m, ix, runs, title))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// splitLoad takes a leading "load=X" from the notes.
func splitLoad(notes string) (string, string) {
	notes = strings.TrimSpace(notes)
	if strings.HasPrefix(notes, "load=") {
		rest := ""
		load := strings.TrimPrefix(notes, "load=")
		if i := strings.IndexAny(load, " ;"); i >= 0 {
			load, rest = load[:i], strings.TrimLeft(load[i:], " ;")
		}
		// "idle N% before" (PEERS_WAIT_IDLE) belongs with the load.
		if strings.HasPrefix(rest, "idle ") {
			idle := strings.TrimPrefix(rest, "idle ")
			idle, rest, _ = strings.Cut(idle, " before")
			load += ", " + idle + " idle"
			rest = strings.TrimLeft(rest, " ;")
		}
		return load, rest
	}
	return "–", notes
}

// speedLine compares eksguard's wall and CPU time with the peer run (reference flags, completed,
// not timed out) that took the least wall time.
func speedLine(runs []*runT) string {
	var eg, best *runT
	var bestWall float64
	for _, r := range runs {
		w, err := strconv.ParseFloat(r.Wall, 64)
		if err != nil || !r.ok || r.Exit == "124" || strings.Contains(r.Notes, "timeout") {
			continue
		}
		if r.Tool == "eksguard" {
			if eg == nil {
				eg = r
			}
			continue
		}
		if r.ID != r.Tool { // extra runs (other flags) are not the peer's reference run
			continue
		}
		if best == nil || w < bestWall {
			best, bestWall = r, w
		}
	}
	if eg == nil || best == nil {
		return ""
	}
	w, _ := strconv.ParseFloat(eg.Wall, 64)
	if w <= 0 {
		return ""
	}
	line := fmt.Sprintf("Fastest peer: %s, %.2f s wall; eksguard %.2f s: **%.1fx** faster in wall time (goal: 10x)", best.Label, bestWall, w, bestWall/w)
	pc, err1 := strconv.ParseFloat(best.CPU, 64)
	ec, err2 := strconv.ParseFloat(eg.CPU, 64)
	if err1 == nil && err2 == nil && ec > 0 {
		line += fmt.Sprintf("; CPU %.2f s vs %.2f s: %.1fx", pc, ec, pc/ec)
	}
	return line + ".\n"
}

func checkLess(a, b string) bool {
	order := []string{"IAM", "POD", "IMG", "RUN", "NET", "TEN", "DET", "INF", "DATA", "CMP", "IR"}
	sec := func(id string) int {
		p := strings.Split(id, "-")
		if len(p) < 2 {
			return len(order)
		}
		for i, s := range order {
			if s == p[1] {
				return i
			}
		}
		return len(order)
	}
	if sec(a) != sec(b) {
		return sec(a) < sec(b)
	}
	return a < b
}

// gapsReport lists, per concept, the objects a peer flags that no eksguard run flags.
//
// kube-linter and Polaris report RBAC rules on the binding, eksguard (and Trivy) on the role,
// naming its bindings: a binding whose role eksguard flags for the same check is not a gap.
func gapsReport(m *mapper, ix *index, runs []*runT, title string) string {
	fileOf := map[objKey]string{}
	roleOf := map[objKey]objKey{}
	for f, docs := range ix.files {
		for _, d := range docs {
			k := newKey(d.Kind, d.Namespace, d.Name)
			if old, ok := fileOf[k]; !ok || f < old {
				fileOf[k] = f
			}
			if d.RoleRef.Name != "" {
				roleOf[k] = d.RoleRef
			}
		}
	}
	var egs []*runT
	for _, r := range runs {
		if r.Tool == "eksguard" && r.ok {
			egs = append(egs, r)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Objects peers flag and eksguard does not: %s\n\n", title)
	var checks []string
	seen := map[string]bool{}
	for _, r := range runs {
		for c := range r.byCheck {
			if !seen[c] {
				seen[c] = true
				checks = append(checks, c)
			}
		}
	}
	sort.Slice(checks, func(i, j int) bool { return checkLess(checks[i], checks[j]) })
	for _, c := range checks {
		for _, r := range runs {
			if r.Tool == "eksguard" || !r.ok {
				continue
			}
			var missing []objKey
			for o := range r.byCheck[c] {
				found := false
				for _, e := range egs {
					if _, ok := e.byCheck[c][o]; ok {
						found = true
					}
					if role, ok := roleOf[o]; ok {
						if _, ok := e.byCheck[c][role]; ok {
							found = true
						}
					}
				}
				if !found {
					missing = append(missing, o)
				}
			}
			if len(missing) == 0 {
				continue
			}
			sort.Slice(missing, func(i, j int) bool { return missing[i].String() < missing[j].String() })
			fmt.Fprintf(&b, "## %s %s: %s flags %d objects eksguard does not\n\n", c, m.label(c), r.Label, len(missing))
			for i, o := range missing {
				if gapsLimit > 0 && i == gapsLimit {
					fmt.Fprintf(&b, "- ... %d more\n", len(missing)-i)
					break
				}
				// Which eksguard checks did flag the object, as a hint.
				var other []string
				for _, e := range egs[:1] {
					for oc, objs := range e.byCheck {
						if _, ok := objs[o]; ok {
							other = append(other, oc)
						}
					}
				}
				sort.Strings(other)
				file := r.byCheck[c][o]
				if _, ok := ix.files[file]; !ok {
					file = fileOf[o]
				}
				fmt.Fprintf(&b, "- %s `%s`; eksguard flags it for: %s\n", o, file, strings.Join(other, " "))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func writeOut(path, s string) error {
	if path == "-" {
		_, err := os.Stdout.WriteString(s)
		return err
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
