# grade_id: StackedRNNClassifier
# message: has no attribute 'dense'
# The code as it was found: self.dense was never defined and self.rnn2 is skipped.
import keras


class StackedRNNClassifier(keras.Model):
    """Two stacked SimpleRNN layers and a softmax classifier: (B, T, D) -> (B, n_classes) probabilities."""

    def __init__(self, n_hidden, n_classes):
        super().__init__()
        self.rnn1 = keras.layers.SimpleRNN(n_hidden, return_sequences=True)
        self.rnn2 = keras.layers.SimpleRNN(n_hidden)
        self.classifier = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, x):
        x = self.rnn1(x)
        return self.dense(x)
