package inventory

// ARN builds the ARN of a regional resource of the scanned account, for findings on
// resources whose API responses carry no ARN (EC2 instances, launch templates, security
// groups, subnets): a.ARN("ec2", "instance/i-0abc") is
// arn:aws:ec2:us-east-1:111122223333:instance/i-0abc.
func (a *AWS) ARN(service, resource string) string {
	partition := a.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":" + service + ":" + a.Region + ":" + a.Account + ":" + resource
}
