package tenancy

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the multi-tenancy checks.

// skipsNamespace reports whether a check that skips SYSTEM_NAMESPACES leaves ns out.
func skipsNamespace(r *check.Reporter, ns string) bool {
	return !r.Config.IncludeSystemNamespaces && r.Config.IsSystemNamespace(ns)
}

// objectName renders an object for messages: Deployment "api".
func objectName(o *inventory.Object) string {
	return o.Kind + " " + strconv.Quote(o.Name)
}

// membersOfKind returns the namespace's objects of a kind, in source order.
func membersOfKind(ns *inventory.Namespace, kind string) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range ns.Members {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}
