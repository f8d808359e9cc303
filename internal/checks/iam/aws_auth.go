package iam

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the aws-auth checks EKS-IAM-005 and EKS-IAM-006: finding the
// kube-system/aws-auth ConfigMap and reading its mapRoles, mapUsers and mapAccounts strings
// the way aws-iam-authenticator does (pkg/mapper/configmap ParseMap): YAML turned into JSON
// and decoded with encoding/json, so keys match case-insensitively and unknown keys are
// ignored; a value that is empty, `` or "" is skipped; entries are keyed by their lower-cased
// ARN, so a later duplicate replaces an earlier one.

// The data keys of aws-auth.
const (
	awsAuthMapRoles    = "mapRoles"
	awsAuthMapUsers    = "mapUsers"
	awsAuthMapAccounts = "mapAccounts"
)

// awsAuthConfig is one parsed aws-auth ConfigMap.
type awsAuthConfig struct {
	Object   *inventory.Object
	Roles    []awsAuthEntry // mapRoles, in order
	Users    []awsAuthEntry // mapUsers, in order
	Accounts []awsAuthAccount
	// Errors are the parts that do not parse, one per problem.
	Errors []awsAuthError
}

// awsAuthEntry is one mapRoles or mapUsers item.
type awsAuthEntry struct {
	Key   string // awsAuthMapRoles or awsAuthMapUsers
	Index int
	// ARN is rolearn (mapRoles) or userarn (mapUsers); empty when the entry has none.
	ARN string
	// SSO describes a mapRoles sso matcher, used instead of rolearn.
	SSO      string
	Username string
	Groups   []string
}

// awsAuthAccount is one mapAccounts item.
type awsAuthAccount struct {
	Index int
	ID    string
}

// awsAuthError is a part of aws-auth that does not parse.
type awsAuthError struct {
	Key     string
	Message string
}

// Path is the data key the entry comes from: positions cannot point inside the YAML string.
func (e awsAuthEntry) Path() fieldpath.Path { return awsAuthDataPath(e.Key) }

// Label names the entry as findings do: mapRoles[2].
func (e awsAuthEntry) Label() string { return e.Key + fieldpath.IndexSegment(e.Index) }

// Principal names the mapped IAM principal.
func (e awsAuthEntry) Principal() string {
	switch {
	case e.SSO != "":
		return e.SSO
	case e.ARN == "" && e.Key == awsAuthMapUsers:
		return "an entry without userarn"
	case e.ARN == "":
		return "an entry without rolearn"
	case e.Key == awsAuthMapUsers:
		return "IAM user " + e.ARN
	}
	return "role " + e.ARN
}

// Describe renders the principal with its username and groups.
func (e awsAuthEntry) Describe() string {
	s := e.Principal()
	if e.Username != "" {
		s += " (username " + strconv.Quote(e.Username) + ")"
	}
	if len(e.Groups) == 0 {
		return s + " with no groups"
	}
	return s + " to groups [" + strings.Join(e.Groups, ", ") + "]"
}

func awsAuthDataPath(key string) fieldpath.Path { return fieldpath.Root.Key("data").Key(key) }

// findAWSAuth returns the aws-auth ConfigMaps of the inventory, parsed. A ConfigMap counts
// when it is named aws-auth in kube-system, or names no namespace (a manifest applied with
// kubectl -n kube-system): EKS reads aws-auth nowhere else.
func findAWSAuth(inv *inventory.Inventory) []*awsAuthConfig {
	var out []*awsAuthConfig
	for _, o := range inv.OfKind("ConfigMap") {
		cm, ok := o.Typed.(*corev1.ConfigMap)
		if !ok || o.Name != "aws-auth" || (o.Namespace != "kube-system" && o.Namespace != "") {
			continue
		}
		out = append(out, parseAWSAuth(o, cm.Data))
	}
	return out
}

// parseAWSAuth reads the three mapping keys of an aws-auth ConfigMap's data.
func parseAWSAuth(o *inventory.Object, data map[string]string) *awsAuthConfig {
	c := &awsAuthConfig{Object: o}
	for _, key := range []string{awsAuthMapRoles, awsAuthMapUsers} {
		text, ok := data[key]
		if !ok || awsAuthSkippable(text) {
			continue
		}
		entries, errs := parseAWSAuthMappings(key, text)
		if key == awsAuthMapRoles {
			c.Roles = entries
		} else {
			c.Users = entries
		}
		for _, msg := range errs {
			c.Errors = append(c.Errors, awsAuthError{Key: key, Message: msg})
		}
	}
	if text, ok := data[awsAuthMapAccounts]; ok && !awsAuthSkippable(text) {
		var ids []string
		root, err := awsAuthParseYAML(text)
		if err == nil && root != nil {
			err = awsAuthDecode(root, &ids)
		}
		if err != nil {
			c.Errors = append(c.Errors, awsAuthError{Key: awsAuthMapAccounts, Message: err.Error()})
		}
		for i, id := range ids {
			c.Accounts = append(c.Accounts, awsAuthAccount{Index: i, ID: id})
		}
	}
	return c
}

// awsAuthSkippable mirrors the authenticator: blank values, two backquotes and "" are not parsed.
func awsAuthSkippable(text string) bool {
	t := strings.TrimSpace(text)
	return t == "" || t == "``" || t == `""`
}

// awsAuthMapping is the union of the authenticator's RoleMapping and UserMapping.
type awsAuthMapping struct {
	RoleARN string `json:"rolearn"`
	UserARN string `json:"userarn"`
	SSO     *struct {
		PermissionSetName string `json:"permissionSetName"`
		AccountID         string `json:"accountID"`
	} `json:"sso"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// parseAWSAuthMappings parses a mapRoles or mapUsers string: a YAML list of mappings. Each
// entry is decoded on its own, so one bad entry does not hide the others (the authenticator
// also keeps what decodes). Error messages count lines within the value.
func parseAWSAuthMappings(key, text string) ([]awsAuthEntry, []string) {
	root, err := awsAuthParseYAML(text)
	if err != nil {
		return nil, []string{err.Error()}
	}
	if root == nil || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		return nil, nil
	}
	if root.Kind != yaml.SequenceNode {
		return nil, []string{"the value is " + awsAuthNodeKind(root) + ", not a list of mappings"}
	}
	var entries []awsAuthEntry
	var errs []string
	for i, item := range root.Content {
		at := fmt.Sprintf("%s[%d] (line %d of the value)", key, i, item.Line)
		var m awsAuthMapping
		if err := awsAuthDecodeJSON(item, &m); err != nil {
			errs = append(errs, at+": "+err.Error())
			continue
		}
		e := awsAuthEntry{Key: key, Index: i, Username: m.Username, Groups: m.Groups}
		if key == awsAuthMapRoles {
			e.ARN = m.RoleARN
			if m.RoleARN == "" && m.SSO != nil {
				e.SSO = "SSO permission set " + strconv.Quote(m.SSO.PermissionSetName) + " in account " + m.SSO.AccountID
			}
		} else {
			e.ARN = m.UserARN
		}
		entries = append(entries, e)
	}
	return entries, errs
}

// awsAuthParseYAML parses one data value into its root node (nil for an empty document),
// turning a parser panic on hostile input into an error.
func awsAuthParseYAML(text string) (root *yaml.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			root, err = nil, fmt.Errorf("yaml: parser failed: %v", p)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, awsAuthYAMLError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// awsAuthDecode decodes a node with yaml.v3, recovering from panics.
func awsAuthDecode(n *yaml.Node, out any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: decoder failed: %v", p)
		}
	}()
	return awsAuthYAMLError(n.Decode(out))
}

var awsAuthYAMLLine = regexp.MustCompile(`^(?:yaml: )?line ([0-9]+): (.*)$`)

// awsAuthYAMLError rewrites yaml.v3 errors onto one line, with line numbers that say they
// count within the data value rather than the manifest.
func awsAuthYAMLError(err error) error {
	if err == nil {
		return nil
	}
	// Syntax errors name the line the parser was in, not always the offending one.
	msgs, where := []string{err.Error()}, "near line "
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		msgs, where = typeErr.Errors, "line "
	}
	for i, m := range msgs {
		m = strings.TrimSpace(m)
		if sub := awsAuthYAMLLine.FindStringSubmatch(m); sub != nil {
			m = sub[2] + " (" + where + sub[1] + " of the value)"
		}
		msgs[i] = strings.TrimPrefix(m, "yaml: ")
	}
	return errors.New(strings.Join(msgs, "; "))
}

// awsAuthDecodeJSON decodes a node the authenticator's way: YAML to JSON, then encoding/json.
func awsAuthDecodeJSON(n *yaml.Node, out *awsAuthMapping) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("the entry is " + awsAuthNodeKind(n) + ", not a mapping")
	}
	var v any
	if err := awsAuthDecode(n, &v); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return errors.New("the entry has keys that are not strings")
	}
	if err := json.Unmarshal(data, out); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			want := "a string"
			if typeErr.Type.Kind().String() == "slice" {
				want = "a list of strings"
			}
			return fmt.Errorf("%s is %s, want %s", strconv.Quote(typeErr.Field), awsAuthJSONKind(typeErr.Value), want)
		}
		return err
	}
	return nil
}

func awsAuthNodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a scalar"
}

func awsAuthJSONKind(v string) string {
	switch v {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "bool":
		return "a boolean"
	case "null":
		return "null"
	}
	if strings.HasPrefix(v, "number") {
		return "a number"
	}
	return "a " + v
}
