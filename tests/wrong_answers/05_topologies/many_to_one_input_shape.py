# grade_id: keras_many_to_one
# message: input_shape= on a layer
# The same model, but built with the input_shape= argument that Keras 3 discourages.
import keras


def keras_many_to_one(n_features, n_hidden, n_outputs):
    """(B, T, D) -> SimpleRNN(n_hidden), last state -> Dense(n_outputs): output (B, O)."""
    return keras.Sequential(
        [
            keras.layers.SimpleRNN(n_hidden, input_shape=(None, n_features)),
            keras.layers.Dense(n_outputs),
        ]
    )
