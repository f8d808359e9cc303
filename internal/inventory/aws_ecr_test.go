package inventory

import "testing"

func TestParseECRImage(t *testing.T) {
	for _, c := range []struct {
		image string
		want  ECRImageRef
		ok    bool
	}{
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/web:1.0", ECRImageRef{"111122223333", "us-east-1", "shop/web", "1.0", ""}, true},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/web", ECRImageRef{"111122223333", "eu-west-1", "web", "latest", ""}, true},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1@sha256:abc", ECRImageRef{"111122223333", "us-east-1", "web", "1", "sha256:abc"}, true},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc", ECRImageRef{"111122223333", "us-east-1", "web", "", "sha256:abc"}, true},
		{"111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web:2", ECRImageRef{"111122223333", "us-gov-west-1", "web", "2", ""}, true},
		{"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/web:2", ECRImageRef{"111122223333", "cn-north-1", "web", "2", ""}, true},
		{"public.ecr.aws/eks/coredns:v1", ECRImageRef{}, false},
		{"nginx:1.27", ECRImageRef{}, false},
		{"11112222333.dkr.ecr.us-east-1.amazonaws.com/web:1", ECRImageRef{}, false},
	} {
		got, ok := ParseECRImage(c.image)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseECRImage(%q) = %+v, %v; want %+v, %v", c.image, got, ok, c.want, c.ok)
		}
	}
}
