package pod

import (
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the hostPath checks EKS-POD-022, EKS-POD-023 and EKS-POD-024.

// volumeMountRef is one volumeMounts entry of one container.
type volumeMountRef struct {
	Container inventory.ContainerRef
	Index     int
	Mount     *corev1.VolumeMount
}

// Path is the mount entry's field path (containers[0].volumeMounts[1]).
func (m volumeMountRef) Path() fieldpath.Path {
	return m.Container.Path.Key("volumeMounts").Index(m.Index)
}

// volumeMountsByName indexes the volumeMounts of ALL_CONTAINERS by volume name, in
// container order, so each hostPath volume finds the containers that mount it.
func volumeMountsByName(p inventory.PodSpecRef) map[string][]volumeMountRef {
	idx := map[string][]volumeMountRef{}
	for _, c := range p.Containers() {
		for j := range c.VolumeMounts {
			m := &c.VolumeMounts[j]
			idx[m.Name] = append(idx[m.Name], volumeMountRef{Container: c, Index: j, Mount: m})
		}
	}
	return idx
}

// mountedBy names the containers of mounts, each once, for a finding message.
func mountedBy(mounts []volumeMountRef) string {
	if len(mounts) == 0 {
		return "not mounted by any container"
	}
	var names []string
	seen := map[string]bool{}
	for _, m := range mounts {
		if l := m.Container.Label(); !seen[l] {
			seen[l] = true
			names = append(names, l)
		}
	}
	return "mounted by " + strings.Join(names, ", ")
}

// cleanHostPath normalises a hostPath the way the checks compare it: duplicate slashes,
// "." and ".." segments and a trailing "/" are removed (path.Clean).
func cleanHostPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// quoteHostPath renders a hostPath for a message, adding the normalised form when it differs.
func quoteHostPath(raw, clean string) string {
	q := strconv.Quote(raw)
	if raw != clean && clean != "" {
		q += " (normalised " + clean + ")"
	}
	return q
}

// pathUnder reports whether p is dir or below it; every absolute path is under "/".
func pathUnder(p, dir string) bool {
	switch dir {
	case "":
		return false
	case "/":
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
