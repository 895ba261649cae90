"""Named cases shared by test modules: each optimizer as the MLP tests configure it."""

from pyginger import optim

#: Every optimizer, and the variants of note, made for a model (``MLP``) at settings that train
#: the small MLPs of the tests.
MLP_OPTIMIZERS = {
    "sgd": lambda model: optim.sgd(lr=0.1, momentum=0.9),
    "adam": lambda model: optim.adam(lr=0.01),
    "gauss_newton": lambda model: optim.gauss_newton(lr=0.5, damping=0.1),
    "gauss_newton_cg": lambda model: optim.gauss_newton(lr=0.5, damping=0.1, solver="cg"),
    "ema_ggn": lambda model: optim.ema_ggn(lr=0.1, damping=0.03),
    "ginger": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03),
    "ginger_inverse": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03, form="inverse"),
    "ginger_blocks": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03, blocks=model.blocks),
    "ginger_reference": lambda model: optim.ginger_reference(blocks=model.blocks, lr=0.01),
    "diag_ggn": lambda model: optim.diag_ggn(lr=0.1, damping=0.03),
    "kfac": lambda model: optim.kfac(model, lr=0.3, damping=0.01),
    "qng": lambda model: optim.qng(lr=0.05, rank=8),
}
