package image

import "testing"

func TestParseImageRef(t *testing.T) {
	const sha = "sha256:1f090d8b770fc0cf3555c162c500934fa07836083413d7c85c03136dbde8da68"
	for _, tc := range []struct {
		image string
		want  imageRef
	}{
		{"nginx", imageRef{Registry: "docker.io", Repository: "nginx"}},
		{"nginx:1.27", imageRef{Registry: "docker.io", Repository: "nginx", Tag: "1.27"}},
		{"nginx:latest", imageRef{Registry: "docker.io", Repository: "nginx", Tag: "latest"}},
		{"nginx:", imageRef{Registry: "docker.io", Repository: "nginx"}},
		{"bitnami/redis:7.2", imageRef{Registry: "docker.io", Repository: "bitnami/redis", Tag: "7.2"}},
		{"docker.io/library/nginx:1.27", imageRef{Registry: "docker.io", ExplicitRegistry: true, Repository: "library/nginx", Tag: "1.27"}},
		{"index.docker.io/library/nginx", imageRef{Registry: "docker.io", ExplicitRegistry: true, Repository: "library/nginx"}},
		// A port is part of the registry, never a tag.
		{"localhost:5000/app", imageRef{Registry: "localhost:5000", ExplicitRegistry: true, Repository: "app"}},
		{"localhost:5000/team/app:v2", imageRef{Registry: "localhost:5000", ExplicitRegistry: true, Repository: "team/app", Tag: "v2"}},
		{"localhost/app:v2", imageRef{Registry: "localhost", ExplicitRegistry: true, Repository: "app", Tag: "v2"}},
		{"registry.example.com:8443/app@" + sha, imageRef{Registry: "registry.example.com:8443", ExplicitRegistry: true, Repository: "app", Digest: sha}},
		// Without a '/', "localhost:5000" is repository localhost with tag 5000, as Docker reads it.
		{"localhost:5000", imageRef{Registry: "docker.io", Repository: "localhost", Tag: "5000"}},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:2.4.1@" + sha,
			imageRef{Registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", ExplicitRegistry: true, Repository: "shop/api", Tag: "2.4.1", Digest: sha}},
		{"nginx@" + sha, imageRef{Registry: "docker.io", Repository: "nginx", Digest: sha}},
		{"public.ecr.aws/eks-distro/kubernetes/pause:3.9", imageRef{Registry: "public.ecr.aws", ExplicitRegistry: true, Repository: "eks-distro/kubernetes/pause", Tag: "3.9"}},
		// Upper-case letters make the first component a host; the host is compared lower-cased.
		{"MyRegistry/app:1", imageRef{Registry: "myregistry", ExplicitRegistry: true, Repository: "app", Tag: "1"}},
		{"GHCR.IO/acme/app", imageRef{Registry: "ghcr.io", ExplicitRegistry: true, Repository: "acme/app"}},
		// The tag is taken after the last '/', so a ':' in an earlier component is not one.
		{"team/app", imageRef{Registry: "docker.io", Repository: "team/app"}},
		{"", imageRef{Registry: "docker.io"}},
	} {
		if got := parseImageRef(tc.image); got != tc.want {
			t.Errorf("parseImageRef(%q) = %+v, want %+v", tc.image, got, tc.want)
		}
	}
}

func TestPinnedSHA256(t *testing.T) {
	hex := "865e75d12e3a5868d860a8037878cefb170579c215481c95f588a0398ecd7047"
	for digest, want := range map[string]bool{
		"sha256:" + hex:                true,
		"":                             false,
		"sha256:" + hex[:63]:           false,
		"sha256:" + hex + "0":          false,
		"sha256:" + "ABCDEF" + hex[6:]: false,
		"sha512:" + hex + hex:          false,
		"sha256:" + hex[:63] + "g":     false,
	} {
		if got := (imageRef{Digest: digest}).PinnedSHA256(); got != want {
			t.Errorf("PinnedSHA256(%q) = %v, want %v", digest, got, want)
		}
	}
}

func TestRegistryApproved(t *testing.T) {
	for _, tc := range []struct {
		image      string
		configured []string
		want       bool
	}{
		// Default list.
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1", nil, true},
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.1-eksbuild.1", nil, true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1", nil, true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1", nil, true},
		{"123456789012.dkr-ecr.eu-west-1.on.aws/app:1", nil, true},
		{"public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1", nil, true},
		{"public.ecr.aws/eks-distro/kubernetes/pause:3.9", nil, true},
		{"public.ecr.aws/eksx/app:1", nil, false},
		{"public.ecr.aws/docker/library/nginx:1.27", nil, false},
		{"nginx:1.27", nil, false},
		{"docker.io/library/nginx:1.27", nil, false},
		{"1234.dkr.ecr.eu-west-1.amazonaws.com/app:1", nil, false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.io/app:1", nil, false},
		{"evil.io/123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1", nil, false},
		// Configured lists replace the default.
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1", []string{"ghcr.io/acme"}, false},
		{"ghcr.io/acme/app:1", []string{"ghcr.io/acme"}, true},
		{"ghcr.io/acme/team/app:1", []string{"ghcr.io/acme/"}, true},
		{"ghcr.io/acme-evil/app:1", []string{"ghcr.io/acme"}, false},
		{"ghcr.io/acme:1", []string{"ghcr.io/acme"}, true},
		{"GHCR.io/acme/app", []string{"ghcr.io"}, true},
		{"ghcr.io/other/app", []string{"ghcr.io"}, true},
		{"localhost:5000/app", []string{"localhost:5000"}, true},
		{"localhost:5001/app", []string{"localhost:5000"}, false},
		{"localhost/app", []string{"localhost:5000"}, false},
		{"registry.example.com:8443/team/app:2", []string{"https://registry.example.com:8443/team"}, true},
		{"nginx:1.27", []string{"docker.io"}, true},
		{"nginx:1.27", []string{"index.docker.io/library"}, true},
		{"nginx:1.27", []string{"docker.io/nginx"}, true},
		{"bitnami/redis:7", []string{"docker.io/library"}, false},
		{"bitnami/redis:7", []string{"docker.io/bitnami"}, true},
		{"quay.io/prometheus/node-exporter:v1.8.1", []string{" ", "ghcr.io", "quay.io/prometheus"}, true},
		// An empty configuration (only blanks) falls back to the default.
		{"public.ecr.aws/eks/app:1", []string{"", " "}, true},
	} {
		rules, _ := approvedRegistries(tc.configured)
		if got := registryApproved(parseImageRef(tc.image), rules); got != tc.want {
			t.Errorf("registryApproved(%q, %q) = %v, want %v", tc.image, tc.configured, got, tc.want)
		}
	}
}
