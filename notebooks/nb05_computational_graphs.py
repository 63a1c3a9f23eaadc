"""Notebook 5. Computational graphs: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
    md("""
    # 5. Computational graphs

    Every program that computes numbers is a graph: values are nodes, operations
    are edges. Backpropagation is just **message passing** on that graph.

    **Learning goals.** After this notebook you can

    - write an expression program like the lecture's ComputationalGraphPrimer (`'xx=xa^2'`, ...);
    - read its `depends_on` and `leads_to` dictionaries and draw the graph;
    - run backpropagation by hand as messages, summing where a value fans out, and check it against reverse mode.
    """),
    code(SETUP),
    md("""
    ## The primer's program

    Each line defines a new variable from earlier ones. Names starting with `x` are
    the variables of the graph; `ab`, `ac`, `bc`, `cd` are its learnable parameters.
    """),
    code("""
    program = dk.examples.PRIMER
    p = dk.examples.primer()
    print("\\n".join(program))
    print("inputs:", p.variables, " output:", p.outputs)
    """),
    code("""
    print("depends_on:", p.graph.depends_on)
    print("leads_to:  ", p.graph.leads_to)
    """),
    md("""
    `depends_on[v]` lists what $v$ is computed from; `leads_to[u]` lists where $u$
    is used. `xx` leads to three variables: it **fans out**, so during
    backpropagation three messages will come back to it.

    Underneath, diffkit stores the program in single-assignment form, one
    primitive per node, labelled as in the lecture ($v_{-4} \\dots v_0$ are inputs):
    """),
    code("""
    values = {"xa": 1.0, "ab": 2.0, "ac": 0.5, "bc": -1.0, "cd": 0.25}
    print(p.graph.primal_trace(values))
    """),
    md("""
    The drawing shows each node's value and, with `adjoints=True`, its adjoint
    $\\partial xw / \\partial v$ from reverse mode.
    """),
    code("""
    dk.plot.graph(p, at=values, adjoints=True)
    """),
    md("""
    ## Backprop as messages

    Now we do by hand what reverse mode does. Each line `v = expression` has
    **local partials** $\\partial v / \\partial u$ for every `u` it depends on (we
    let SymPy compute these small ones). We visit the lines from the last to the
    first; each variable $v$ sends the message $\\bar v \\cdot \\partial v/\\partial u$
    to every $u$ in `depends_on[v]`, and each $u$ **sums** what it receives.
    """),
    code("""
    def forward_values(program, inputs):
        \"\"\"Evaluate the program line by line: every variable's value.\"\"\"
        vals = dict(inputs)
        for line in program:
            name, rhs = (s.strip() for s in line.split("="))
            vals[name] = float(dk.expr(rhs)(**{v: vals[v] for v in dk.expr(rhs).variables}))
        return vals

    def backprop_messages(program, inputs, verbose=True):
        \"\"\"Adjoints of the last variable with respect to every variable, by message passing.\"\"\"
        vals = forward_values(program, inputs)
        lines = [tuple(s.strip() for s in line.split("=")) for line in program]
        adjoint = {name: 0.0 for name in vals}
        adjoint[lines[-1][0]] = 1.0                  # seed: d out / d out = 1
        for name, rhs in reversed(lines):
            e = dk.expr(rhs)
            local = dk.Symbolic().gradient(e, at={v: vals[v] for v in e.variables}).gradient
            for u, partial in local.items():
                message = adjoint[name] * partial
                adjoint[u] += message                    # fan-out: messages add up
                if verbose:
                    print(f"{name} -> {u}: {adjoint[name]:8.4f} * {partial:8.4f} = {message:9.4f}")
        return adjoint

    adj = backprop_messages(program, values)
    """),
    code("""
    reference = dk.ReverseMode().gradient(p, at=values).gradient
    for name in p.variables:
        print(f"d xw / d {name}: messages {adj[name]:10.5f}   reverse mode {reference[name]:10.5f}")
    """),
    md("""
    `xx` received three messages (from `xy`, `xz` and `xw`) and `xa` two (from `xx`
    and `xy`): the sums are the multivariate chain rule. This is all reverse mode
    is, done once per node with the derivative rules from diffkit's ops table.

    ## Exercises
    """),
    *exercise(1, "find the busiest node",
              """
              Using `p.graph.leads_to`, set `busiest` to the variable with the most
              consumers and `fan_out` to how many it has.
              """,
              """
              busiest = max(p.graph.leads_to, key=lambda name: len(p.graph.leads_to[name]))
              fan_out = len(p.graph.leads_to[busiest])
              busiest, fan_out
              """,
              """
              leads_to = p.graph.leads_to
              check.equal("busiest", busiest, "xx", hint="the variable whose list in leads_to is longest")
              check.equal("fan_out", fan_out, len(leads_to["xx"]), hint="how many variables are computed from it")
              check.passed(f"xx feeds {leads_to['xx']}")
              """),
    *exercise(2, "your own program",
              """
              Write the program `u = a*b`, `v = u + a`, `w = u*v` as a list of lines
              `mine`, then compute its adjoints at $a = 2, b = 3$ with
              `backprop_messages` (store them in `mine_adj`). Work out
              $\\partial w/\\partial a$ by hand first: $w = ab(ab + a)$.
              """,
              """
              mine = ["u = a*b", "v = u + a", "w = u*v"]
              mine_adj = backprop_messages(mine, {"a": 2.0, "b": 3.0}, verbose=False)
              mine_adj
              """,
              """
              g = dk.expr(mine)
              check.equal("the program's depends_on", g.graph.depends_on,
                          {"u": ["a", "b"], "v": ["a", "u"], "w": ["u", "v"]},
                          hint='three lines, exactly: ["u = a*b", "v = u + a", "w = u*v"]')
              # w = ab(ab + a) = a^2 b^2 + a^2 b: dw/da = 2ab^2 + 2ab, dw/db = 2a^2 b + a^2
              check.close('mine_adj["a"]', mine_adj["a"], 2 * 2.0 * 3.0**2 + 2 * 2.0 * 3.0, rtol=1e-12,
                          hint="a receives messages from u and from v: they add up")
              check.close('mine_adj["b"]', mine_adj["b"], 2 * 2.0**2 * 3.0 + 2.0**2, rtol=1e-12)
              check.passed(f"dw/da = {mine_adj['a']:g}, dw/db = {mine_adj['b']:g}")
              """),
]
