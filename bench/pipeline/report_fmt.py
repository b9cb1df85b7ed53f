"""Number formatting shared by the pipeline report's Markdown modules."""


def f(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def met(ok):
    return "met" if ok else "**missed**"


def pct(x):
    return "–" if x is None else f"{100 * x:.0f} %"
