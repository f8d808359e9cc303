package image

import "strings"

// Helpers shared by the image checks: the catalogue's IMAGE_REF.
//
// No image reference parser is in the module graph (github.com/distribution/reference is not
// a dependency), so this is a small one that follows IMAGE_REF exactly:
//
//	[registry/]repository[:tag][@digest]
//
// The digest is everything after the first '@'; the tag is what follows the last ':' after
// the last '/' of the rest (so the port of localhost:5000/app is never a tag); the registry is
// the first '/'-separated component when the reference has more than one and that component
// looks like a host, as Docker and containerd decide it: it contains '.' or ':', is
// "localhost", or has upper-case letters. Otherwise the registry is docker.io (implicit).
// index.docker.io is an alias of docker.io and is reported as docker.io. The parser never
// fails: a malformed reference yields the parts it has (the kubelet rejects it anyway).

// dockerHub is the registry of references that name none.
const dockerHub = "docker.io"

// imageRef is an image reference split as IMAGE_REF defines it.
type imageRef struct {
	// Registry is the registry host (with its port, if any), lower-cased; docker.io when the
	// reference names none.
	Registry string
	// ExplicitRegistry is false when Registry is the docker.io default.
	ExplicitRegistry bool
	// Repository is the path below the registry (nginx, library/nginx, team/app).
	Repository string
	// Tag is the part after the last ':' following the last '/', or "" when there is none
	// (an empty tag, "app:", counts as none).
	Tag string
	// Digest is the part after '@' (sha256:...), or "".
	Digest string
}

// parseImageRef splits an image string per IMAGE_REF.
func parseImageRef(image string) imageRef {
	var r imageRef
	name := image
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, r.Digest = name[:i], name[i+1:]
	}
	lastSlash := strings.LastIndexByte(name, '/')
	if c := strings.LastIndexByte(name[lastSlash+1:], ':'); c >= 0 {
		at := lastSlash + 1 + c
		name, r.Tag = name[:at], name[at+1:]
	}
	r.Registry, r.Repository = dockerHub, name
	if first, rest, ok := strings.Cut(name, "/"); ok && looksLikeHost(first) {
		r.Registry, r.Repository, r.ExplicitRegistry = strings.ToLower(first), rest, true
		if r.Registry == "index.docker.io" {
			r.Registry = dockerHub
		}
	}
	return r
}

// looksLikeHost reports whether the first component of a reference names a registry.
func looksLikeHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost" || strings.ToLower(s) != s
}

// HasDigest reports whether the reference carries a digest (of any form).
func (r imageRef) HasDigest() bool { return r.Digest != "" }

// PinnedSHA256 reports whether the digest is sha256:<64 lower-case hex>, the only form
// EKS-IMG-002 accepts as a pin.
func (r imageRef) PinnedSHA256() bool {
	hex, ok := strings.CutPrefix(r.Digest, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// MatchRepository is the repository as registry path prefixes are compared with it: on
// docker.io a single-component name is an official image, stored as library/<name>.
func (r imageRef) MatchRepository() string {
	if r.Registry == dockerHub && !strings.Contains(r.Repository, "/") {
		return "library/" + r.Repository
	}
	return r.Repository
}
