package vap

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
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
