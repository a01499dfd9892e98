# grade_id: keras_many_to_one
# message: wrong activation
import keras


def keras_many_to_one(n_features, n_hidden, n_outputs):
    """(B, T, D) -> SimpleRNN(n_hidden), last state -> Dense(n_outputs): output (B, O)."""
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_features)),
            keras.layers.SimpleRNN(n_hidden, activation="relu"),
            keras.layers.Dense(n_outputs),
        ]
    )
