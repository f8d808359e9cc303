package files

import (
	"fmt"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// repeatedObjects warns about every object that repeats the API group, kind, namespace and
// name of an earlier one. Applying the input leaves only the last, so what is in the cluster
// depends on the order files are applied in; reviewers rarely mean that. Both are still
// checked (the RBAC model resolves bindings to the last, see inventory.RBACRole.Shadowed).
// Objects without a name (generateName) never repeat.
func repeatedObjects(objs []*inventory.Object) []inventory.Problem {
	type key struct{ group, kind, namespace, name string }
	first := make(map[key]*inventory.Object, len(objs))
	var out []inventory.Problem
	for _, o := range objs {
		if o.Name == "" {
			continue
		}
		k := key{o.Group(), o.Kind, o.Namespace, o.Name}
		if namespaced, known := inventory.NamespacedKind(k.group, k.kind); known && !namespaced {
			k.namespace = "" // charts stamp metadata.namespace on ClusterRoles too; the API server ignores it
		}
		prev, seen := first[k]
		if !seen {
			first[k] = o
			continue
		}
		at := prev.Position(fieldpath.Root)
		ref := o.ObjectRef
		out = append(out, inventory.Problem{Level: inventory.ProblemWarning, Position: o.Position(namePath), Object: &ref, Path: namePath,
			Message: fmt.Sprintf("the same %s is also defined at %s:%d; applying the input keeps only the last one (both are checked)",
				o.Kind, at.File, at.Line)})
	}
	return out
}

var namePath = fieldpath.Root.Key("metadata").Key("name")
