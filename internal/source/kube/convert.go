package kube

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/inventory"
)

// lastApplied is kubectl's record of the last applied manifest. It can hold a whole old spec,
// and for a Secret its data, so it is dropped as soon as an object is read.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// managedByLabel is the recommended label naming the tool that manages an object.
const managedByLabel = "app.kubernetes.io/managed-by"

// object converts one listed item. It keeps the item map as Raw, minus managedFields and the
// last-applied annotation, and decodes the typed view of the kinds checks read.
func (c *collector) object(t target, raw map[string]any) (*inventory.Object, []inventory.Problem) {
	md, _ := raw["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		raw["metadata"] = md
	}
	labels, _ := md["labels"].(map[string]any)
	annotations, _ := md["annotations"].(map[string]any)
	_, applied := annotations[lastApplied]
	by := managedBy(str(labels[managedByLabel]), applied, rawManagers(md["managedFields"]))
	delete(md, "managedFields")
	if applied {
		delete(annotations, lastApplied)
		if len(annotations) == 0 {
			delete(md, "annotations")
		}
	}
	apiVersion := t.gvr.GroupVersion().String()
	kind := str(raw["kind"])
	if kind == "" {
		kind = t.gk.Kind
	}
	raw["apiVersion"], raw["kind"] = apiVersion, kind
	obj := &inventory.Object{
		ObjectRef: inventory.ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: str(md["namespace"]), Name: str(md["name"]), UID: str(md["uid"])},
		Raw:       raw,
		Origin:    inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: c.cluster, ResourceVersion: str(md["resourceVersion"]), ManagedBy: by}},
	}
	problems := obj.Decode()
	for i := range problems {
		// A live object has no file; name it by its URI so the problem says where it is.
		problems[i].Position.File = obj.URI()
	}
	return obj, problems
}

// managedBy says where an object came from: the app.kubernetes.io/managed-by label (Helm,
// ...), else "kubectl apply" when kubectl's last-applied annotation is present, else the first
// field manager that applied or updated it.
func managedBy(label string, lastApplied bool, managers []metav1.ManagedFieldsEntry) string {
	switch {
	case label != "":
		return label
	case lastApplied:
		return "kubectl apply"
	}
	for _, m := range managers {
		if m.Manager != "" && (m.Operation == metav1.ManagedFieldsOperationApply || m.Operation == metav1.ManagedFieldsOperationUpdate) {
			return m.Manager
		}
	}
	return ""
}

// rawManagers reads the manager and operation of each metadata.managedFields entry, and
// nothing else of them.
func rawManagers(v any) []metav1.ManagedFieldsEntry {
	list, _ := v.([]any)
	out := make([]metav1.ManagedFieldsEntry, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, metav1.ManagedFieldsEntry{Manager: str(m["manager"]), Operation: metav1.ManagedFieldsOperationType(str(m["operation"]))})
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
