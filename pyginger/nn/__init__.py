"""The autodiff-free network: the MLP with exact GGN products and factors, its losses and data."""

from pyginger.nn import datasets, losses, mlp
from pyginger.nn.losses import CrossEntropyLoss, Loss, MSELoss, get_loss
from pyginger.nn.mlp import MLP

__all__ = ["MLP", "Loss", "MSELoss", "CrossEntropyLoss", "get_loss", "mlp", "losses", "datasets"]
