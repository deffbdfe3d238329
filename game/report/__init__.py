"""The report on the article's argument (`make report`): experiments, figures, the document."""
