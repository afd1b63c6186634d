"""Unit tests of the figures' look (madkv_report/plotting.py): what a reader sees in a panel
with no data, a single point, missing bars, and values of very different sizes."""

import itertools
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from madkv_report.plotting import (  # noqa: E402
    MAX_WIDTH_IN, BarSeries, LineSeries, grouped_bars, new_figure, plt, trend_lines,
)

TICKS = [1, 10, 25, 40, 55, 70, 85]


def drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


class PlottingTest(unittest.TestCase):
    def tearDown(self):
        plt.close("all")

    def test_an_empty_panel_says_so_and_labels_no_values(self):
        fig, axes = new_figure(1, 2)
        grouped_bars(axes[0][0], ["(none)"], [BarSeries("p99", [None], "red")], "Operation", "Latency", "YCSB-B")
        trend_lines(axes[0][1], [LineSeries("READ", TICKS, [None] * len(TICKS), "blue")], "Clients", "Latency", TICKS)
        drawn(fig)
        for ax in axes[0]:
            self.assertEqual([t.get_text() for t in ax.get_yticklabels() if t.get_text()], [])
            self.assertIn("no results yet", [t.get_text() for t in ax.texts])

    def test_a_single_point_at_either_end_is_drawn_whole(self):
        for at in (0, len(TICKS) - 1):
            fig, axes = new_figure(1, 1)
            ax = axes[0][0]
            ys = [None] * len(TICKS)
            ys[at] = 7000.0
            trend_lines(ax, [LineSeries("YCSB-A", TICKS, ys, "blue")], "Clients", "Throughput", TICKS)
            drawn(fig)
            x, y = ax.transData.transform((TICKS[at], 7000.0))
            radius = plt.rcParams["lines.markersize"] * fig.dpi / 72 / 2
            box = ax.get_window_extent()
            self.assertGreater(x - radius, box.x0, f"point at {TICKS[at]} cut by the left edge")
            self.assertLess(x + radius, box.x1, f"point at {TICKS[at]} cut by the right edge")
            self.assertLess(y + radius, box.y1, "point cut by the top edge")

    def test_n_a_labels_never_overlap(self):
        fig, axes = new_figure(1, 1)
        ax = axes[0][0]
        grouped_bars(ax, list("ABCDEF"), [
            BarSeries("1 partition", [4000, None, None, None, 700, None], "blue"),
            BarSeries("3 partitions", [None, None, None, None, None, None], "orange"),
            BarSeries("5 partitions", [None, 5500, None, None, 900, None], "green"),
        ], "YCSB workload", "Throughput", "Throughput")
        renderer = drawn(fig)
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() == "n/a"]
        # One under each of C, D, F (nothing there at all), one per missing bar under A (2), B (2), E (1).
        self.assertEqual(len(boxes), 3 + 2 + 2 + 1)
        for a, b in itertools.combinations(boxes, 2):
            self.assertFalse(a.overlaps(b), f"n/a labels overlap: {a} and {b}")

    def test_latency_spanning_orders_of_magnitude_gets_a_log_axis_and_says_so(self):
        fig, axes = new_figure(1, 2)
        wide, narrow = axes[0]
        grouped_bars(wide, list("ABE"), [BarSeries("avg", [400, 450, 19000], "orange")], "Workload", "Latency",
                     "Average latency", log_ok=True)
        grouped_bars(narrow, list("AB"), [BarSeries("avg", [400, 900], "orange")], "Workload", "Latency",
                     "Average latency", log_ok=True)
        self.assertEqual((wide.get_yscale(), wide.get_title()), ("log", "Average latency (log scale)"))
        self.assertEqual((narrow.get_yscale(), narrow.get_title()), ("linear", "Average latency"))
        self.assertEqual(narrow.get_ylim()[0], 0)

    def test_figures_stay_narrow_whatever_the_number_of_panels(self):
        for ncols in (1, 3, 6):
            fig, _ = new_figure(2, ncols)
            self.assertLessEqual(fig.get_figwidth(), MAX_WIDTH_IN)
            self.assertLessEqual(fig.get_figwidth() * plt.rcParams["savefig.dpi"], 1600)


if __name__ == "__main__":
    unittest.main()
