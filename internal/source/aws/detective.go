package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/detective"
	dettypes "github.com/aws/aws-sdk-go-v2/service/detective/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// detectiveGraphs reads the region's Amazon Detective behavior graphs with their data source
// packages.
func (c *collector) detectiveGraphs(ctx context.Context) {
	var graphs []inventory.DetectiveGraph
	p := detective.NewListGraphsPaginator(c.clients.detective, &detective.ListGraphsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "detective:ListGraphs", c.out.Region, err)
			return
		}
		for _, g := range page.GraphList {
			graphs = append(graphs, inventory.DetectiveGraph{Graph: g})
		}
	}
	var g group
	for i := range graphs {
		g.Go(func() {
			arn := graphs[i].Graph.Arn
			p := detective.NewListDatasourcePackagesPaginator(c.clients.detective, &detective.ListDatasourcePackagesInput{GraphArn: arn})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "detective:ListDatasourcePackages", str(arn), err)
					return
				}
				for name, d := range page.DatasourcePackages {
					if graphs[i].Packages == nil {
						graphs[i].Packages = map[string]dettypes.DatasourcePackageIngestDetail{}
					}
					graphs[i].Packages[name] = d
				}
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.DetectiveGraphs = graphs })
}
