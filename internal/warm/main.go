package main

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/agnivade/levenshtein"
	_ "github.com/bmatcuk/doublestar/v4"
	_ "github.com/chromedp/chromedp"
	_ "github.com/github/go-spdx/v2/spdxexp"
	_ "github.com/gofri/go-github-ratelimit/v2/github_ratelimit"
	_ "github.com/google/go-github/v93/github"
	_ "github.com/google/licensecheck"
	_ "github.com/gregjones/httpcache"
	_ "github.com/gregjones/httpcache/diskcache"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/spf13/cobra"
	_ "gitlab.com/gitlab-org/api/client-go"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/term"
)

func main() {}
