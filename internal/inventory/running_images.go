package inventory

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// RunningImageIDs returns the images the pods of a scanned object report running, by
// container name: the imageID of the Pod's container statuses (init, regular and ephemeral),
// the digest the kubelet actually pulled. A tag can move after a pod pulled it, so checks
// about a running image's contents read these rather than resolving the tag again. Pods are
// attributed to their top-most owner in the inventory that carries a pod spec (Pod ->
// ReplicaSet -> Deployment, Pod -> Job -> CronJob), by ownerReferences UID, so the key is the object PodSpecs reports.
// IDs are normalised to repository@digest ("docker-pullable://" and the like dropped);
// statuses without a repository (a bare sha256:...) carry nothing to look up and are left out.
// Manifests have no statuses: the map is empty.
func RunningImageIDs(inv *Inventory) map[*Object]map[string][]string {
	return Memo(inv, runningImagesKey{}, func() map[*Object]map[string][]string {
		out := map[*Object]map[string][]string{}
		pods := inv.OfKind("Pod")
		if len(pods) == 0 {
			return out
		}
		byUID := map[string]*Object{}
		for _, o := range inv.Objects {
			if o.UID != "" {
				byUID[o.UID] = o
			}
		}
		for _, o := range pods {
			pod, ok := o.Typed.(*corev1.Pod)
			if !ok || o.Group() != "" {
				continue
			}
			top := topOwner(o, byUID)
			for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
				for _, st := range list {
					id := NormalizeImageID(st.ImageID)
					if id == "" {
						continue
					}
					if out[top] == nil {
						out[top] = map[string][]string{}
					}
					if ids := out[top][st.Name]; !slices.Contains(ids, id) {
						out[top][st.Name] = append(ids, id)
					}
				}
			}
		}
		return out
	})
}

type runningImagesKey struct{}

// topOwner follows ownerReferences to objects of the inventory that carry a pod spec, as
// PodSpecs does (ownedByScannedController): any such owner stands for its pods. A cycle stops
// at the object seen twice.
func topOwner(o *Object, byUID map[string]*Object) *Object {
	seen := map[*Object]bool{o: true}
	for {
		meta := objectMeta(o)
		if meta == nil {
			return o
		}
		var next *Object
		for _, ref := range meta.OwnerReferences {
			if owner := byUID[string(ref.UID)]; owner != nil && !seen[owner] {
				if _, carries := PodSpecOf(owner); carries {
					next = owner
					break
				}
			}
		}
		if next == nil {
			return o
		}
		seen[next] = true
		o = next
	}
}

// NormalizeImageID turns a container status imageID into repository@digest, or "" when it
// names no repository and digest.
func NormalizeImageID(id string) string {
	id = strings.TrimSpace(id)
	if i := strings.Index(id, "://"); i >= 0 {
		id = id[i+3:]
	}
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 {
		return ""
	}
	return id
}
