"""The blind corpus: each mistake, its style, the catalogued mistake it equals (None: not in the catalogue), and
the phrases of a diagnosis that name its measured factor (every one must appear)."""

from __future__ import annotations

from dataclasses import dataclass

from . import classes, columns, dicts, loops


@dataclass(frozen=True)
class Blind:
    fn: object
    style: str
    entries: tuple  # catalogued mistakes it is made of ((): none)
    factor: tuple  # phrases naming the measured factor(s)
    compound: bool = False

    @property
    def name(self):
        return self.fn.__name__


CORPUS = (
    Blind(columns.half_sum, "columns", ("half_sum_cost",), ("that is m/2",)),
    Blind(columns.leaky_relu_as_relu, "columns", (), ("a leaky relu's: 0.01 for z < 0",)),
    Blind(columns.tanh_prime_no_square, "columns", ("tanh_prime_without_square",),
          ("1 - tanh(z), without the square",)),
    Blind(columns.activations_reversed, "columns", (),
          ("1 at every z: no sigmoid' there (left out, or the slope of an identity layer",)),
    Blind(columns.half_cost_and_relu_ge, "columns", ("half_cost_convention", "relu_prime_at_zero_is_one"),
          ("that is 1/2", "relu'(0) = 1"), compound=True),
    Blind(classes.sigmoid_prime_of_a, "classes", ("sigma_prime_of_a",),
          ("sigmoid'(a): the derivative evaluated at a",)),
    Blind(classes.clipped_gradients, "classes", (), ("cut at +-1 (clipping)",)),
    Blind(classes.weight_decay, "classes", (), ("an extra term 0.0001 w(l) in dC/dw(l) (L2 weight decay)",)),
    Blind(classes.in_place_update_and_half_sum, "classes", ("half_sum_cost",),
          ("that is m/2", "already moved by -0.1 dC/dw"), compound=True),
    Blind(classes.bias_summed_over_neurons, "classes", ("bias_gradient_over_wrong_axis",),
          ("instead of over the examples (axis=0, the rows)",)),
    Blind(dicts.epsilon_in_z, "dicts", (), ("as if your a(L) were off by 0.001",)),
    Blind(dicts.clipped_inputs, "dicts", (), ("a(0) clipped to [-1, 1]",)),
    Blind(dicts.weight_gradient_from_own_layer, "dicts", ("activation_off_by_one_layer",),
          ("this layer's own activation",)),
    Blind(dicts.mse_mean_over_everything, "dicts", ("mean_over_outputs_too",), ("that is 1/n_L",)),
    Blind(dicts.clipped_and_slope_of_a, "dicts", ("sigma_prime_of_a",),
          ("cut at +-1 (clipping)", "sigmoid'(a): the derivative evaluated at a"), compound=True),
    Blind(dicts.names_compared_with_is, "dicts", (), ("never with `is`",)),
    Blind(loops.first_path_only, "loops", ("no_sum_over_paths",), ("only the path through neuron j = 0",)),
    Blind(loops.cross_entropy_derivative, "loops", (), ("the cross-entropy cost's dC/da",)),
    Blind(loops.fixed_input_size, "loops", (), ("a size fixed in your code?",)),
    Blind(loops.sum_and_tanh_prime_on_z, "loops", ("sum_over_examples", "tanh_prime_formula_on_z"),
          ("that is m:", "1 - z^2: 1 - a^2 applied to z"), compound=True),
    Blind(loops.transposed_step_back, "loops", (), ("w(3) where w(3)^T belongs",)),
)
