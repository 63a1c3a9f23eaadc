"""Function transforms on Python functions: pytrees, reverse-mode boxes, batching, Jacobians.

The public functions (``grad``, ``vjp``, ``jvp``, ``jacfwd``, ``jacrev``,
``hessian``, ``vmap``) are in :mod:`diffkit.ad.functional`; this package holds
their machinery, one module per concern:

* :mod:`.pytree` -- nested containers of arrays as arguments and results;
* :mod:`.reverse` -- reverse mode as a pure transform (boxes, backward pass);
* :mod:`.batching` -- ``vmap`` on the ops' batching rules;
* :mod:`.jacobians` -- Jacobians and Hessians assembled from ``jvp``/``vjp``;
* :mod:`.arguments` -- ``argnums``, and results in the kind of their arguments;
* :mod:`.exprs` -- the same transforms on Exprs, by the compiled programs.

Forward mode's dual numbers live in :mod:`diffkit.expr.dual` and
:mod:`diffkit.ad.forward`; the levels that keep nested transforms apart in
:mod:`diffkit.expr.levels`.
"""
