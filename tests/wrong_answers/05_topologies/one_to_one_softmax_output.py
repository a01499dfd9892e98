# grade_id: keras_one_to_one
# message: activation on the output layer
import keras


def keras_one_to_one(n_features, n_hidden, n_outputs):
    """(B, D) -> Dense(n_hidden, tanh) -> Dense(n_outputs): output (B, O)."""
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(n_hidden, activation="tanh"),
            keras.layers.Dense(n_outputs, activation="softmax"),
        ]
    )
