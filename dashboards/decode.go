package dashboards

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Query is one Prometheus query of a dashboard panel or annotation.
type Query struct {
	Panel string // the panel's title
	RefID string
	Expr  string
	// Datasource is the query's datasource uid.
	Datasource string
}

var registerPlugins = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// Decode strictly decodes a dashboard as the Grafana schema defines it
// (unknown fields and panel options are errors) and returns it with its
// panels' and annotations' queries (an annotation's Panel is "annotation
// NAME"). A query for anything but Prometheus is an error.
func Decode(data []byte) (dashboard.Dashboard, []Query, error) {
	registerPlugins()
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(data); err != nil {
		// The SDK returns its list of errors as an error even when empty.
		if be, ok := err.(cog.BuildErrors); !ok || len(be) > 0 {
			return d, nil, err
		}
	}
	// For the same reason its strict decoding drops every panel that has no
	// error, so the value comes from the lenient decoder; strictness is
	// established above.
	d = dashboard.Dashboard{}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, nil, err
	}
	var panels []dashboard.Panel
	for _, p := range d.Panels {
		if p.Panel != nil {
			panels = append(panels, *p.Panel)
		}
		if p.RowPanel != nil {
			panels = append(panels, p.RowPanel.Panels...)
		}
	}
	var queries []Query
	for _, p := range panels {
		title := ""
		if p.Title != nil {
			title = *p.Title
		}
		for _, t := range p.Targets {
			q, ok := t.(*prometheus.Dataquery)
			if !ok {
				return d, nil, fmt.Errorf("panel %q: a %T query, want Prometheus", title, t)
			}
			ds := ""
			if q.Datasource != nil && q.Datasource.Uid != nil {
				ds = *q.Datasource.Uid
			}
			ref := ""
			if q.RefId != nil {
				ref = *q.RefId
			}
			queries = append(queries, Query{Panel: title, RefID: ref, Expr: q.Expr, Datasource: ds})
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr == nil {
			continue
		}
		ds := ""
		if a.Datasource != nil && a.Datasource.Uid != nil {
			ds = *a.Datasource.Uid
		}
		queries = append(queries, Query{Panel: "annotation " + a.Name, Expr: *a.Expr, Datasource: ds})
	}
	return d, queries, nil
}
