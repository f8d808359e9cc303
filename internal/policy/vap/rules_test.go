package vap

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// TestCleanPathPattern: the pattern matches a raw path exactly when path.Clean turns it
// into a forbidden path, for every forbidden path written with repeated slashes, "."
// segments and trailing slashes, and for near misses.
func TestCleanPathPattern(t *testing.T) {
	re := regexp.MustCompile(cleanPathPattern(runtimeSocketPaths))
	var raws []string
	for _, p := range append(slices.Clone(runtimeSocketPaths), "/", "/var", "/var/run/docker", "/run/containerd/x.sock", "/var/lib/docker.sock", "/srv/run") {
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		raws = append(raws, p, p+"/", p+"/.", p+"//./", "/"+strings.Join(segs, "//"), "/./"+strings.Join(segs, "/./"),
			p+"x", "x"+p, strings.TrimPrefix(p, "/"), p+"/..x", "/."+strings.TrimPrefix(p, "/"))
	}
	for _, raw := range raws {
		clean := path.Clean(raw)
		want := strings.HasPrefix(raw, "/") && (clean == "/" || slices.Contains(runtimeSocketPaths, clean))
		if got := re.MatchString(raw); got != want {
			t.Errorf("%q (clean %q): pattern matches %v, want %v", raw, clean, got, want)
		}
	}
}

// TestUnderPattern: the pattern matches a raw path exactly when path.Clean puts it at or
// below one of the directories, whole segments only.
func TestUnderPattern(t *testing.T) {
	dirs := []string{"/var/log/pods", "/opt/agent"}
	re := regexp.MustCompile(underPattern(dirs))
	for _, raw := range []string{"/var/log/pods", "/var/log/pods/", "//var/log//pods/./x", "/var/log/podsx", "/var/log", "/opt/agent/a/b",
		"/opt/agents", "/opt/./agent", "opt/agent", "/", "/x/opt/agent", "/opt/agent/."} {
		clean := path.Clean(raw)
		want := strings.HasPrefix(raw, "/") && slices.ContainsFunc(dirs, func(d string) bool { return clean == d || strings.HasPrefix(clean, d+"/") })
		if got := re.MatchString(raw); got != want {
			t.Errorf("%q (clean %q): pattern matches %v, want %v", raw, clean, got, want)
		}
	}
	if regexp.MustCompile(underPattern(nil)).MatchString("/x") {
		t.Error("no directories must match no path")
	}
	if !regexp.MustCompile(underPattern([]string{"/"})).MatchString("/x") {
		t.Error("the root must match every absolute path")
	}
}

// TestPSSListsMatchPodSecurityAdmission: the allowed sets copied into the rules are allowed
// by pod-security-admission, the library eksguard's PSS checks run, and a value just
// outside each is not.
func TestPSSListsMatchPodSecurityAdmission(t *testing.T) {
	latest := map[psapolicy.CheckID]psapolicy.CheckPodFn{}
	for _, c := range psapolicy.DefaultChecks() {
		latest[c.ID] = c.Versions[len(c.Versions)-1].CheckPod
	}
	unquote := func(list string) []string {
		var out []string
		for _, q := range strings.Split(strings.Trim(list, "[]"), ", ") {
			out = append(out, strings.Trim(q, "'"))
		}
		return out
	}
	allowed := func(id psapolicy.CheckID, spec *corev1.PodSpec) bool {
		return latest[id](&metav1.ObjectMeta{}, spec).Allowed
	}
	for _, v := range append(unquote(baselineCapabilities), "SYS_ADMIN") {
		spec := &corev1.PodSpec{Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{corev1.Capability(v)}}}}}}
		if got, want := allowed("capabilities_baseline", spec), v != "SYS_ADMIN"; got != want {
			t.Errorf("capability %s: PSA allows %v, the rule %v", v, got, want)
		}
	}
	for _, v := range append(unquote(safeSysctls), "kernel.msgmax") {
		spec := &corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: v, Value: "1"}}}}
		if got, want := allowed("sysctls", spec), v != "kernel.msgmax"; got != want {
			t.Errorf("sysctl %s: PSA allows %v, the rule %v", v, got, want)
		}
	}
	for _, v := range append(unquote(seLinuxTypes), "spc_t") {
		spec := &corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: v}}}
		if got, want := allowed("seLinuxOptions", spec), v != "spc_t"; got != want {
			t.Errorf("SELinux type %q: PSA allows %v, the rule %v", v, got, want)
		}
	}
	for _, v := range append(unquote(restrictedVolumes), "hostPath") {
		var src corev1.VolumeSource
		switch v {
		case "configMap":
			src.ConfigMap = &corev1.ConfigMapVolumeSource{}
		case "csi":
			src.CSI = &corev1.CSIVolumeSource{}
		case "downwardAPI":
			src.DownwardAPI = &corev1.DownwardAPIVolumeSource{}
		case "emptyDir":
			src.EmptyDir = &corev1.EmptyDirVolumeSource{}
		case "ephemeral":
			src.Ephemeral = &corev1.EphemeralVolumeSource{}
		case "image":
			src.Image = &corev1.ImageVolumeSource{}
		case "persistentVolumeClaim":
			src.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{}
		case "projected":
			src.Projected = &corev1.ProjectedVolumeSource{}
		case "secret":
			src.Secret = &corev1.SecretVolumeSource{}
		case "hostPath":
			src.HostPath = &corev1.HostPathVolumeSource{}
		default:
			t.Fatalf("volume type %s: add it to this test", v)
		}
		spec := &corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v", VolumeSource: src}}}
		if got, want := allowed("restrictedVolumes", spec), v != "hostPath"; got != want {
			t.Errorf("volume type %s: PSA allows %v, the rule %v", v, got, want)
		}
	}
}
