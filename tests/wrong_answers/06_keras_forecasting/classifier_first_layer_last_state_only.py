# grade_id: StackedRNNClassifier
# message: return_sequences=True forgotten when stacking
# The first layer returns only its last state, so the second layer has no sequence to read (an error).
import keras


class StackedRNNClassifier(keras.Model):
    """Two stacked SimpleRNN layers and a softmax classifier: (B, T, D) -> (B, n_classes) probabilities."""

    def __init__(self, n_hidden, n_classes):
        super().__init__()
        self.rnn1 = keras.layers.SimpleRNN(n_hidden)
        self.rnn2 = keras.layers.SimpleRNN(n_hidden)
        self.classifier = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, x):
        states = self.rnn1(x)  # (B, T, H): every state, the input of the second layer
        last = self.rnn2(states)  # (B, H): its last state
        return self.classifier(last)  # (B, n_classes)
