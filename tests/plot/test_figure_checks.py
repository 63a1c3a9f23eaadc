"""The figure checks themselves catch what they are for: a legend over the data, small text, other colours."""

from figure_checks import legend_overlaps, off_palette_colours, points_under, smallest_font_at_page_width

from diffkit.plot._figure import MIN_FONT, new_figure


def test_the_checks_catch_a_careless_figure():
    fig, ax = new_figure()
    ax.plot([1, 2, 3], [1, 4, 9], color="#ff0000", label="squares")
    ax.legend(loc="upper left", fontsize=6)  # inside the axes, and 6 pt
    note = ax.text(2, 4, "here", fontsize=MIN_FONT)
    assert legend_overlaps(fig) != []
    assert smallest_font_at_page_width(fig) == 6
    assert off_palette_colours(fig) == {"#ff0000"}
    assert points_under(note, ax) == 1


def test_a_figure_twice_the_page_width_counts_its_text_at_half_size():
    fig, ax = new_figure()
    fig.set_figwidth(2 * fig.get_figwidth())
    ax.set_title("t", fontsize=12)
    ax.tick_params(labelsize=12)
    ax.xaxis.label.set_fontsize(12)
    assert smallest_font_at_page_width(fig) <= 6
