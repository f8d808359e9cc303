package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// typedKinds lists the kinds checks read through a typed view, by group and kind. Legacy
// groups (extensions, apps/v1beta*, batch/v1beta1) share the current types because the
// fields checks read did not change.
var typedKinds = map[string]func() any{
	"/Pod":                            func() any { return new(corev1.Pod) },
	"/PodTemplate":                    func() any { return new(corev1.PodTemplate) },
	"/ReplicationController":          func() any { return new(corev1.ReplicationController) },
	"/ServiceAccount":                 func() any { return new(corev1.ServiceAccount) },
	"/Namespace":                      func() any { return new(corev1.Namespace) },
	"/Service":                        func() any { return new(corev1.Service) },
	"/ConfigMap":                      func() any { return new(corev1.ConfigMap) },
	"/LimitRange":                     func() any { return new(corev1.LimitRange) },
	"/ResourceQuota":                  func() any { return new(corev1.ResourceQuota) },
	"/Secret":                         func() any { return new(corev1.Secret) },
	"/PersistentVolume":               func() any { return new(corev1.PersistentVolume) },
	"/PersistentVolumeClaim":          func() any { return new(corev1.PersistentVolumeClaim) },
	"/Node":                           func() any { return new(corev1.Node) },
	"networking.k8s.io/Ingress":       func() any { return new(networkingv1.Ingress) },
	"storage.k8s.io/StorageClass":     func() any { return new(storagev1.StorageClass) },
	"scheduling.k8s.io/PriorityClass": func() any { return new(schedulingv1.PriorityClass) },
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   func() any { return new(admissionregistrationv1.ValidatingWebhookConfiguration) },
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     func() any { return new(admissionregistrationv1.MutatingWebhookConfiguration) },
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        func() any { return new(admissionregistrationv1.ValidatingAdmissionPolicy) },
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": func() any { return new(admissionregistrationv1.ValidatingAdmissionPolicyBinding) },
	"apps/Deployment":                              func() any { return new(appsv1.Deployment) },
	"apps/ReplicaSet":                              func() any { return new(appsv1.ReplicaSet) },
	"apps/StatefulSet":                             func() any { return new(appsv1.StatefulSet) },
	"apps/DaemonSet":                               func() any { return new(appsv1.DaemonSet) },
	"extensions/Deployment":                        func() any { return new(appsv1.Deployment) },
	"extensions/ReplicaSet":                        func() any { return new(appsv1.ReplicaSet) },
	"extensions/DaemonSet":                         func() any { return new(appsv1.DaemonSet) },
	"extensions/NetworkPolicy":                     func() any { return new(networkingv1.NetworkPolicy) },
	"batch/Job":                                    func() any { return new(batchv1.Job) },
	"batch/CronJob":                                func() any { return new(batchv1.CronJob) },
	"networking.k8s.io/NetworkPolicy":              func() any { return new(networkingv1.NetworkPolicy) },
	"rbac.authorization.k8s.io/Role":               func() any { return new(rbacv1.Role) },
	"rbac.authorization.k8s.io/ClusterRole":        func() any { return new(rbacv1.ClusterRole) },
	"rbac.authorization.k8s.io/RoleBinding":        func() any { return new(rbacv1.RoleBinding) },
	"rbac.authorization.k8s.io/ClusterRoleBinding": func() any { return new(rbacv1.ClusterRoleBinding) },
}

// IsTypedKind reports whether objects of this apiVersion and kind get a typed view.
func IsTypedKind(apiVersion, kind string) bool {
	_, ok := typedKinds[groupOf(apiVersion)+"/"+kind]
	return ok
}

func groupOf(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// maxDecodeRepairs bounds how many wrong-typed fields are cut out of one object before
// giving up on its typed view.
const maxDecodeRepairs = 32

// Decode fills o.Typed for known kinds and then releases o.Raw. A field of the wrong type
// (replicas: "three") is reported as a problem at that field and left out, so the object's
// other fields are still checked, as the API server's own decoder would report them.
func (o *Object) Decode() []Problem {
	problems := o.decode()
	if o.Typed != nil {
		o.Raw = nil
	}
	return problems
}

func (o *Object) decode() []Problem {
	newTyped, ok := typedKinds[o.Group()+"/"+o.Kind]
	if !ok {
		return nil
	}
	typed := newTyped()
	// fromRaw is the fast path; it stops at the first bad field without naming it.
	if err := fromRaw(o.Raw, typed); err == nil {
		o.Typed = typed
		return nil
	}
	// Slow path: encoding/json skips a field of the wrong type, finishes the rest and names
	// the field. Cut each named field out of a copy and decode again until clean.
	work := deepCopyJSON(o.Raw).(map[string]any)
	var problems []Problem
	for range maxDecodeRepairs {
		typed = newTyped()
		data, err := json.Marshal(work)
		if err != nil {
			problems = append(problems, o.problemAt(fieldpath.Root, fmt.Sprintf("cannot encode object: %v", err)))
			return problems
		}
		err = json.Unmarshal(data, typed)
		if err == nil {
			o.Typed = typed
			return problems
		}
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			problems = append(problems, o.problemAt(fieldpath.Root, fmt.Sprintf("cannot decode %s: %v", o.Kind, err)))
			return problems
		}
		path, found := removeMistyped(work, strings.Split(typeErr.Field, "."), typeErr.Value)
		msg := fmt.Sprintf("field has the wrong type: got %s, want %s; the field is ignored and the rest of the object is checked", jsonKind(typeErr.Value), typeErr.Type)
		if !found {
			// The type error cannot be pinned to one value; keep what decoded.
			problems = append(problems, o.problemAt(fieldpath.Path(typeErr.Field), msg))
			o.Typed = typed
			return problems
		}
		problems = append(problems, o.problemAt(path, msg))
	}
	problems = append(problems, o.problemAt(fieldpath.Root, fmt.Sprintf("too many fields of the wrong type; %s not decoded", o.Kind)))
	return problems
}

func (o *Object) problemAt(path fieldpath.Path, msg string) Problem {
	ref := o.ObjectRef
	return Problem{Level: ProblemError, Position: o.Position(path), Object: &ref, Path: path, Message: msg}
}

func jsonKind(v string) string {
	switch v {
	case "object", "array", "string", "bool", "null":
		return "a " + v
	}
	return "a " + v
}

// removeMistyped deletes the first value along the dotted field path (list items are
// searched in order) whose JSON kind is want, and returns its full path.
func removeMistyped(node any, keys []string, want string) (fieldpath.Path, bool) {
	return removeAt(node, fieldpath.Root, keys, want)
}

func removeAt(node any, at fieldpath.Path, keys []string, want string) (fieldpath.Path, bool) {
	switch n := node.(type) {
	case map[string]any:
		if len(keys) == 0 {
			return "", false
		}
		child, ok := n[keys[0]]
		if !ok {
			return "", false
		}
		childPath := at.Key(keys[0])
		if len(keys) == 1 {
			if kindMatches(child, want) {
				delete(n, keys[0])
				return childPath, true
			}
			// A list of mistyped items: the error names the list field itself.
			if list, ok := child.([]any); ok {
				for i, item := range list {
					if kindMatches(item, want) {
						n[keys[0]] = append(list[:i:i], list[i+1:]...)
						return childPath.Index(i), true
					}
				}
			}
			return "", false
		}
		return removeAt(child, childPath, keys[1:], want)
	case []any:
		for i, item := range n {
			if p, ok := removeAt(item, at.Index(i), keys, want); ok {
				return p, true
			}
		}
	}
	return "", false
}

func kindMatches(v any, want string) bool {
	switch v.(type) {
	case map[string]any:
		return want == "object"
	case []any:
		return want == "array"
	case string:
		return want == "string"
	case bool:
		return want == "bool"
	case nil:
		return want == "null"
	case int64, float64:
		return strings.HasPrefix(want, "number")
	}
	return false
}

func deepCopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopyJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopyJSON(e)
		}
		return l
	}
	return v
}
