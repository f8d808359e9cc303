package data

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// plaintextCredentials: EKS-DATA-013.
//
// Forbidden: credentials written in plain text into a pod spec or a ConfigMap, where every
// reader of the manifest, the object or the audit log sees them.
//   - For each container in ALL_CONTAINERS, an env[*].value literal fails when the variable
//     name matches (case-insensitively) AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, .*PASSWORD.*,
//     .*PASSWD.*, .*SECRET.*, .*TOKEN.*, .*API_?KEY.* or .*PRIVATE_?KEY.*, or when the value
//     contains an AWS access key ID (AKIA or ASIA followed by 16 upper-case letters or digits)
//     or a PEM private key header (-----BEGIN ... PRIVATE KEY-----), the patterns of EKS-INF-009.
//     Values that are empty or consist only of $(VAR) references pass.
//   - For each ConfigMap, a data key fails when its name matches the same name patterns and its
//     value is non-empty, and any value fails when it matches the value patterns.
//
// Findings point at env[i].value or data["key"] and name the container and variable, or the
// key, and which pattern matched. Values are never reported. The catalogue names no namespace
// exception, so system namespaces are evaluated.
//
// Decisions: binaryData is treated like data (key names and values), since a private key
// stored there is as exposed. A key or variable that matches both a name and a value pattern
// is reported once, for the value pattern.
var plaintextCredentials = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-013",
		Slug:        "plaintext-credentials",
		Title:       "Credentials must not appear in plain environment variables or ConfigMaps",
		Section:     "data",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Move the values into Secrets (mounted as files) or an external secrets store.",
		References: check.References{
			Guide: "data#use-volume-mounts-instead-of-environment-variables",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: append([]string{"ConfigMap"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, p := range inv.PodSpecs() {
			r.Evaluated(1)
			for _, c := range p.Containers() {
				for i, e := range c.Env {
					if e.Value == "" || credentialVarRefsOnly.MatchString(e.Value) {
						continue
					}
					at := c.Path.Key("env").Index(i).Key("value")
					what := "container " + c.Label() + " sets environment variable " + e.Name + " to a literal"
					if kind := credentialValueKind(e.Value); kind != "" {
						r.Fail(p.Object, at, what+" that contains "+kind)
					} else if credentialLikeName(e.Name) {
						r.Fail(p.Object, at, what+" and the name looks like a credential")
					}
				}
			}
		}
		for _, o := range inv.OfKind("ConfigMap") {
			cm, ok := o.Typed.(*corev1.ConfigMap)
			if !ok {
				continue
			}
			r.Evaluated(1)
			for _, k := range credentialSortedKeys(cm.Data) {
				credentialConfigMapKey(r, o, "data", k, cm.Data[k])
			}
			for _, k := range credentialSortedKeys(cm.BinaryData) {
				credentialConfigMapKey(r, o, "binaryData", k, string(cm.BinaryData[k]))
			}
		}
	},
}

// credentialConfigMapKey reports one ConfigMap key whose name or value looks like a credential.
func credentialConfigMapKey(r *check.Reporter, o *inventory.Object, field, key, value string) {
	at := fieldpath.Root.Key(field).Key(key)
	what := "ConfigMap " + field + " key " + strconv.Quote(key)
	if kind := credentialValueKind(value); kind != "" {
		r.Fail(o, at, what+" holds a value that contains "+kind)
	} else if value != "" && credentialLikeName(key) {
		r.Fail(o, at, what+" has a value and its name looks like a credential")
	}
}

var (
	// credentialName matches variable and key names that suggest a credential.
	credentialName = regexp.MustCompile(`(?is)^(?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|.*PASSWORD.*|.*PASSWD.*|.*SECRET.*|.*TOKEN.*|.*API_?KEY.*|.*PRIVATE_?KEY.*)$`)
	// credentialVarRefsOnly matches values made only of $(VAR) references, which the kubelet expands.
	credentialVarRefsOnly    = regexp.MustCompile(`^(?:\$\([^()$]+\))+$`)
	credentialAWSAccessKeyID = regexp.MustCompile(`(?:AKIA|ASIA)[A-Z0-9]{16}`)
	credentialPEMPrivateKey  = regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)
)

// credentialNameParts are what credentialName looks for, for ASCII names.
var credentialNameParts = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "PRIVATEKEY", "PRIVATE_KEY"}

// credentialLikeName reports whether credentialName matches name. Every name it lists
// contains one of credentialNameParts, so for ASCII names (nearly all) a substring search
// decides without the regexp's backtracking, the check's main cost on large inputs.
func credentialLikeName(name string) bool {
	for i := range len(name) {
		if name[i] >= 0x80 {
			return credentialName.MatchString(name)
		}
	}
	upper := strings.ToUpper(name)
	for _, part := range credentialNameParts {
		if strings.Contains(upper, part) {
			return true
		}
	}
	return false
}

// credentialValueKind names the credential pattern a value contains, or "".
func credentialValueKind(v string) string {
	switch {
	case credentialAWSAccessKeyID.MatchString(v):
		return "an AWS access key ID"
	case credentialPEMPrivateKey.MatchString(v):
		return "a PEM private key"
	}
	return ""
}

func credentialSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func init() { check.Register(plaintextCredentials) }
