"""mmexplorer: explore attention and modality fusion in multimodal transformers."""

__version__ = "0.2.0"
