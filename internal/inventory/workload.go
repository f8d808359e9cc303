package inventory

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// PodSpecRef is one pod spec carried by an object (POD_SPEC_SOURCES in the catalogue):
// a Pod's own spec or the pod template of a workload.
type PodSpecRef struct {
	Object *Object
	// Meta is the pod metadata: the Pod's own, or the template's (annotations and labels are read there).
	Meta *metav1.ObjectMeta
	Spec *corev1.PodSpec
	// MetaPath and SpecPath locate Meta and Spec inside Object.
	MetaPath fieldpath.Path
	SpecPath fieldpath.Path

	// all and regular are the containers, listed once when the inventory is sealed
	// (Containers and RegularContainers list them on each call for other refs).
	all, regular []ContainerRef
}

var (
	templatePath        = fieldpath.Root.Key("spec").Key("template")
	podTemplatePath     = fieldpath.Root.Key("template")
	cronJobTemplatePath = fieldpath.Root.Key("spec").Key("jobTemplate").Key("spec").Key("template")
)

// PodSpecOf returns the pod spec an object carries, if its kind carries one.
func PodSpecOf(o *Object) (PodSpecRef, bool) {
	ref := PodSpecRef{Object: o}
	var tmpl *corev1.PodTemplateSpec
	var at fieldpath.Path
	switch t := o.Typed.(type) {
	case *corev1.Pod:
		ref.Meta, ref.Spec = &t.ObjectMeta, &t.Spec
		ref.MetaPath, ref.SpecPath = fieldpath.Root.Key("metadata"), fieldpath.Root.Key("spec")
		return ref, true
	case *corev1.PodTemplate:
		tmpl, at = &t.Template, podTemplatePath
	case *corev1.ReplicationController:
		if t.Spec.Template == nil {
			return ref, false
		}
		tmpl, at = t.Spec.Template, templatePath
	case *appsv1.Deployment:
		tmpl, at = &t.Spec.Template, templatePath
	case *appsv1.ReplicaSet:
		tmpl, at = &t.Spec.Template, templatePath
	case *appsv1.StatefulSet:
		tmpl, at = &t.Spec.Template, templatePath
	case *appsv1.DaemonSet:
		tmpl, at = &t.Spec.Template, templatePath
	case *batchv1.Job:
		tmpl, at = &t.Spec.Template, templatePath
	case *batchv1.CronJob:
		tmpl, at = &t.Spec.JobTemplate.Spec.Template, cronJobTemplatePath
	default:
		return ref, false
	}
	ref.Meta, ref.Spec = &tmpl.ObjectMeta, &tmpl.Spec
	ref.MetaPath, ref.SpecPath = at.Key("metadata"), at.Key("spec")
	return ref, true
}

// ContainerList names the three container lists of a pod spec.
type ContainerList string

// The container lists, in the order pod-security-admission visits them.
const (
	InitContainers      ContainerList = "initContainers"
	Containers          ContainerList = "containers"
	EphemeralContainers ContainerList = "ephemeralContainers"
)

// ContainerRef is one container of a pod spec with where it sits.
type ContainerRef struct {
	*corev1.Container
	List  ContainerList
	Index int
	// Path is the container's field path inside the object.
	Path fieldpath.Path
}

// Label renders the container as findings name it: containers[1] "app".
func (c ContainerRef) Label() string {
	return string(c.List) + fieldpath.IndexSegment(c.Index) + ` "` + c.Name + `"`
}

// Containers returns ALL_CONTAINERS: init, regular and ephemeral containers, in that order.
// Every check reaches containers through here so none forgets a kind.
// The slice may be shared: do not modify it.
func (p PodSpecRef) Containers() []ContainerRef {
	if p.all != nil {
		return p.all
	}
	return p.containers(true)
}

// RegularContainers returns REGULAR_CONTAINERS: init and regular containers only.
func (p PodSpecRef) RegularContainers() []ContainerRef {
	if p.regular != nil {
		return p.regular
	}
	return p.containers(false)
}

func (p PodSpecRef) containers(withEphemeral bool) []ContainerRef {
	s := p.Spec
	n := len(s.InitContainers) + len(s.Containers)
	if withEphemeral {
		n += len(s.EphemeralContainers)
	}
	out := make([]ContainerRef, 0, n)
	add := func(list ContainerList, i int, c *corev1.Container) {
		out = append(out, ContainerRef{Container: c, List: list, Index: i, Path: p.SpecPath.Key(string(list)).Index(i)})
	}
	for i := range s.InitContainers {
		add(InitContainers, i, &s.InitContainers[i])
	}
	for i := range s.Containers {
		add(Containers, i, &s.Containers[i])
	}
	if withEphemeral {
		for i := range s.EphemeralContainers {
			add(EphemeralContainers, i, (*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon))
		}
	}
	return out
}

// IsWindows reports WINDOWS_POD: spec.os.name is windows.
func (p PodSpecRef) IsWindows() bool {
	return p.Spec.OS != nil && p.Spec.OS.Name == corev1.Windows
}

// IsUserNamespace reports USER_NS_POD: spec.hostUsers is explicitly false.
func (p PodSpecRef) IsUserNamespace() bool {
	return p.Spec.HostUsers != nil && !*p.Spec.HostUsers
}

// Namespace is the namespace the pod runs in ("" when the manifest leaves it to kubectl -n).
func (p PodSpecRef) Namespace() string { return p.Object.Namespace }

// objectMeta returns the typed object's metadata, or nil for untyped objects.
func objectMeta(o *Object) *metav1.ObjectMeta {
	if m, ok := o.Typed.(metav1.ObjectMetaAccessor); ok {
		if om, ok := m.GetObjectMeta().(*metav1.ObjectMeta); ok {
			return om
		}
	}
	return nil
}
