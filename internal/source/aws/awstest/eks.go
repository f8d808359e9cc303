package awstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// serveEKS answers the EKS operations moto lacks; it reports false for the others.
func (a *Account) serveEKS(w http.ResponseWriter, r *http.Request) bool {
	var seg []string
	for _, s := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			u = s
		}
		seg = append(seg, u)
	}
	q := r.URL.Query()
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case get && len(seg) == 2 && seg[0] == "addons" && seg[1] == "supported-versions":
		a.describeAddonVersions(w, q)
	case get && len(seg) == 1 && seg[0] == "cluster-versions":
		a.describeClusterVersions(w, q)
	case len(seg) < 3 || seg[0] != "clusters":
		return false
	default:
		cluster, rest := seg[1], seg[2:]
		a.mu.Lock()
		defer a.mu.Unlock()
		cs := a.cluster(cluster)
		switch {
		case rest[0] == "access-entries":
			a.accessEntries(w, r, cluster, cs, rest[1:])
		case rest[0] == "pod-identity-associations":
			a.podIdentity(w, r, cluster, cs, rest[1:])
		case rest[0] == "addons":
			a.addons(w, r, cluster, cs, rest[1:])
		case get && len(rest) == 1 && rest[0] == "identity-provider-configs":
			writeJSON(w, map[string]any{"identityProviderConfigs": []any{}})
		case get && len(rest) == 1 && rest[0] == "updates":
			ids := []string{}
			for _, u := range cs.updates {
				ids = append(ids, sdkaws.ToString(u.Id))
			}
			writeJSON(w, map[string]any{"updateIds": ids})
		case get && len(rest) == 2 && rest[0] == "updates":
			for _, u := range cs.updates {
				if sdkaws.ToString(u.Id) == rest[1] {
					writeJSON(w, map[string]any{"update": wire(u)})
					return true
				}
			}
			notFound(w, "update "+rest[1])
		case post && len(rest) == 1 && rest[0] == "insights":
			writeJSON(w, map[string]any{"insights": []any{}})
		default:
			return false
		}
	}
	return true
}

func (a *Account) accessEntries(w http.ResponseWriter, r *http.Request, cluster string, cs *clusterState, rest []string) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, map[string]any{"accessEntries": sortedNames(cs.accessEntries)})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var in struct {
			PrincipalArn     string   `json:"principalArn"`
			KubernetesGroups []string `json:"kubernetesGroups"`
			Username         *string  `json:"username"`
			Type             *string  `json:"type"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		a.mu.Unlock() // AddAccessEntry locks
		a.AddAccessEntry(cluster, ekstypes.AccessEntry{PrincipalArn: &in.PrincipalArn, KubernetesGroups: in.KubernetesGroups, Username: in.Username, Type: in.Type})
		a.mu.Lock()
		writeJSON(w, map[string]any{"accessEntry": wire(cs.accessEntries[in.PrincipalArn])})
	case len(rest) == 1 && r.Method == http.MethodGet:
		e, ok := cs.accessEntries[rest[0]]
		if !ok {
			notFound(w, "access entry "+rest[0])
			return
		}
		writeJSON(w, map[string]any{"accessEntry": wire(e)})
	case len(rest) == 2 && rest[1] == "access-policies" && r.Method == http.MethodGet:
		if _, ok := cs.accessEntries[rest[0]]; !ok {
			notFound(w, "access entry "+rest[0])
			return
		}
		writeJSON(w, map[string]any{"clusterName": cluster, "principalArn": rest[0], "associatedAccessPolicies": wire(cs.policies[rest[0]])})
	case len(rest) == 2 && rest[1] == "access-policies" && r.Method == http.MethodPost:
		var in struct {
			PolicyArn   string `json:"policyArn"`
			AccessScope struct {
				Type       string   `json:"type"`
				Namespaces []string `json:"namespaces"`
			} `json:"accessScope"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		now := time.Now().UTC().Truncate(time.Second)
		p := ekstypes.AssociatedAccessPolicy{PolicyArn: &in.PolicyArn, AssociatedAt: &now, ModifiedAt: &now,
			AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeType(in.AccessScope.Type), Namespaces: in.AccessScope.Namespaces}}
		cs.policies[rest[0]] = append(cs.policies[rest[0]], p)
		writeJSON(w, map[string]any{"clusterName": cluster, "principalArn": rest[0], "associatedAccessPolicy": wire(p)})
	default:
		notFound(w, r.URL.Path)
	}
}

func (a *Account) podIdentity(w http.ResponseWriter, r *http.Request, cluster string, cs *clusterState, rest []string) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		var out []map[string]any
		for _, p := range cs.podIdentity {
			if ns := r.URL.Query().Get("namespace"); ns != "" && ns != sdkaws.ToString(p.Namespace) {
				continue
			}
			out = append(out, map[string]any{"clusterName": cluster, "namespace": p.Namespace, "serviceAccount": p.ServiceAccount,
				"associationArn": p.AssociationArn, "associationId": p.AssociationId, "ownerArn": p.OwnerArn})
		}
		writeJSON(w, map[string]any{"associations": nonNil(out)})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var in struct {
			Namespace, ServiceAccount, RoleArn string
			TargetRoleArn                      *string
			DisableSessionTags                 *bool
		}
		if !readJSON(w, r, &in) {
			return
		}
		a.mu.Unlock()
		a.AddPodIdentityAssociation(cluster, ekstypes.PodIdentityAssociation{Namespace: &in.Namespace, ServiceAccount: &in.ServiceAccount,
			RoleArn: &in.RoleArn, TargetRoleArn: in.TargetRoleArn, DisableSessionTags: in.DisableSessionTags})
		a.mu.Lock()
		writeJSON(w, map[string]any{"association": wire(cs.podIdentity[len(cs.podIdentity)-1])})
	case len(rest) == 1 && r.Method == http.MethodGet:
		for _, p := range cs.podIdentity {
			if sdkaws.ToString(p.AssociationId) == rest[0] {
				writeJSON(w, map[string]any{"association": wire(p)})
				return
			}
		}
		notFound(w, "pod identity association "+rest[0])
	default:
		notFound(w, r.URL.Path)
	}
}

func (a *Account) addons(w http.ResponseWriter, r *http.Request, cluster string, cs *clusterState, rest []string) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, map[string]any{"addons": sortedNames(cs.addons)})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var in struct {
			AddonName             string  `json:"addonName"`
			AddonVersion          *string `json:"addonVersion"`
			ServiceAccountRoleArn *string `json:"serviceAccountRoleArn"`
			ConfigurationValues   *string `json:"configurationValues"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		a.mu.Unlock()
		a.AddAddon(cluster, ekstypes.Addon{AddonName: &in.AddonName, AddonVersion: in.AddonVersion,
			ServiceAccountRoleArn: in.ServiceAccountRoleArn, ConfigurationValues: in.ConfigurationValues})
		a.mu.Lock()
		writeJSON(w, map[string]any{"addon": wire(cs.addons[in.AddonName])})
	case len(rest) == 1 && r.Method == http.MethodGet:
		ad, ok := cs.addons[rest[0]]
		if !ok {
			notFound(w, "add-on "+rest[0])
			return
		}
		writeJSON(w, map[string]any{"addon": wire(ad)})
	default:
		notFound(w, r.URL.Path)
	}
}

// describeAddonVersions answers with the fixtures of the named add-on (all when no name),
// keeping only versions compatible with kubernetesVersion when given, as EKS does.
func (a *Account) describeAddonVersions(w http.ResponseWriter, q url.Values) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []ekstypes.AddonInfo
	for _, info := range a.addonVersions {
		if name := q.Get("addonName"); name != "" && name != sdkaws.ToString(info.AddonName) {
			continue
		}
		if kv := q.Get("kubernetesVersion"); kv != "" {
			var keep []ekstypes.AddonVersionInfo
			for _, v := range info.AddonVersions {
				if slices.ContainsFunc(v.Compatibilities, func(c ekstypes.Compatibility) bool { return sdkaws.ToString(c.ClusterVersion) == kv }) {
					keep = append(keep, v)
				}
			}
			info.AddonVersions = keep
		}
		out = append(out, info)
	}
	writeJSON(w, map[string]any{"addons": nonNil(wire(out))})
}

func (a *Account) describeClusterVersions(w http.ResponseWriter, q url.Values) {
	a.mu.Lock()
	defer a.mu.Unlock()
	want := q["clusterVersions"]
	var out []ekstypes.ClusterVersionInformation
	for _, v := range a.clusterVersions {
		if len(want) == 0 || slices.Contains(want, sdkaws.ToString(v.ClusterVersion)) {
			out = append(out, v)
		}
	}
	writeJSON(w, map[string]any{"clusterVersions": nonNil(wire(out))})
}

func nonNil(v any) any {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).IsNil()) {
		return []any{}
	}
	return v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, "eks:", "InvalidParameterException", err.Error())
		return false
	}
	return true
}

func notFound(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `{"message":%q}`, "No "+what+" found")
}

// wire encodes an EKS SDK value as the EKS REST-JSON API writes it: member names in lower
// camel case (the SDK's Go names with the first letter lowered), timestamps as epoch seconds,
// unset members left out.
func wire(v any) any { return wireValue(reflect.ValueOf(v)) }

var timeType = reflect.TypeOf(time.Time{})

func wireValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return wireValue(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			return float64(t.UnixNano()) / 1e9
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map || fv.Kind() == reflect.Interface) && fv.IsNil() {
				continue
			}
			if fv.Kind() == reflect.String && fv.String() == "" {
				continue // unset enum
			}
			r := []rune(f.Name)
			r[0] = unicode.ToLower(r[0])
			out[string(r)] = wireValue(fv)
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = wireValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = wireValue(v.MapIndex(k))
		}
		return out
	case reflect.String:
		return v.String()
	}
	return v.Interface()
}
