package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// sweepSizes are the packet sizes --plot measures, from standard
// Ethernet's 1472 to nearly the most a UDP datagram holds.
var sweepSizes = []int{1472, 2048, 4096, 8192, 9000, 16384, 32768, 65000}

// sweepMTU is the MTU the dummy interface gets for the sweep, so that
// every size fits.
const sweepMTU = 65535

// defaultSweepHeaps is how many heaps each sweep run sends unless --heaps
// says otherwise: fewer than step 3's 10000, as the sweep has many points.
const defaultSweepHeaps = 2000

// sweep measures step 3 and the yardstick, sending to the dummy interface,
// at each packet size, runs times each, and returns a point for each
// sender and size. Each round goes through every size and sender in turn,
// so that a slow spell of the machine spreads over all of them rather than
// bending the curve at one size.
func sweep(ctx context.Context, env *benchEnv, runs, heaps int, progress io.Writer) ([]sweepPoint, error) {
	if err := env.setSinkMTU(sweepMTU); err != nil {
		return nil, err
	}
	var cases []benchCase
	for _, size := range sweepSizes {
		cases = append(cases,
			benchCase{Name: "step3-dummy", Step: 3, Dest: toDummy, PacketSize: size, Heaps: heaps},
			benchCase{Name: "yardstick", Step: 0, Dest: toDummy, PacketSize: size, Heaps: heaps},
		)
	}
	rates := make([][]float64, len(cases))
	for r := range runs {
		for i := range cases {
			// Alternate which sender goes first at each size.
			k := i ^ (r & 1)
			c := &cases[k]
			res, err := c.run(ctx, env)
			if err != nil {
				return nil, fmt.Errorf("sweep at %d-byte packets: %w", c.PacketSize, err)
			}
			fmt.Fprintf(progress, "tut bench: sweep run %d/%d, %d bytes, %s: %.2f MB/s\n", r+1, runs, c.PacketSize, c.Name, res.rate)
			rates[k] = append(rates[k], res.rate)
		}
	}
	points := make([]sweepPoint, len(cases))
	for k, c := range cases {
		p := sweepPoint{Name: c.Name, PacketSize: c.PacketSize, Heaps: heaps, Rates: rates[k]}
		p.Median, p.Min, p.Max = summarize(rates[k])
		points[k] = p
	}
	return points, nil
}

// errorXYs is one sender's sweep as points with error bars from the
// least to the greatest run.
type errorXYs struct {
	plotter.XYs
	plotter.YErrors
}

// writePlot draws the sweep, MB/s against packet size on a log scale, one
// line for each sender, and writes it to w as SVG.
func writePlot(w io.Writer, points []sweepPoint, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "packet size (bytes, SPEAD header and payload)"
	p.Y.Label.Text = "MB/s of heap data"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = sizeTicks{}
	p.Y.Min = 0
	p.Title.Padding = vg.Centimeter / 2
	// Bottom right is below both curves: step 3 is slowest at the
	// smallest packets, on the left.
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Centimeter
	p.Legend.YOffs = vg.Centimeter / 2
	p.Add(plotter.NewGrid())

	var lines []any
	for i, name := range []string{"step3-dummy", "yardstick"} {
		var s errorXYs
		for _, pt := range points {
			if pt.Name != name {
				continue
			}
			s.XYs = append(s.XYs, plotter.XY{X: float64(pt.PacketSize), Y: pt.Median})
			s.YErrors = append(s.YErrors, struct{ Low, High float64 }{pt.Median - pt.Min, pt.Max - pt.Median})
		}
		if len(s.XYs) == 0 {
			continue
		}
		bars, err := plotter.NewYErrorBars(s)
		if err != nil {
			return fmt.Errorf("plotting %s: %w", name, err)
		}
		bars.LineStyle.Color = plotutil.Color(i)
		p.Add(bars)
		label := "step 3"
		if name == "yardstick" {
			label = "yardstick"
		}
		lines = append(lines, label, s.XYs)
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return fmt.Errorf("plotting: %w", err)
	}
	svg, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, "svg")
	if err != nil {
		return fmt.Errorf("drawing the plot: %w", err)
	}
	if _, err := svg.WriteTo(w); err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	return nil
}

// sizeTicks marks the sweep's packet sizes on the x axis.
type sizeTicks struct{}

// Ticks returns a labelled tick at each sweep size between lo and hi.
func (sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, s := range sweepSizes {
		if x := float64(s); x >= lo && x <= hi {
			t := plot.Tick{Value: x, Label: strconv.Itoa(s)}
			if s == 8192 {
				// Too close to 9000 for both labels to fit.
				t.Label = ""
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
