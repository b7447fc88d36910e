"""Analyses of results: experiments (arms compared, common random numbers) and survival statistics."""
